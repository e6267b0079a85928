using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sagas.Benchmarks.ThreeStep;
using Sagas.Functions;
using Sagas.Gateway;
using Sagas.Persistence;
using Sagas.Steps;

namespace Sagas.Benchmarks;

/// <summary>
/// What running a step as an HTTP function costs over running it as a container consumer: the same
/// three-step saga, one saga at a time, with the Confirm step local and then served by a Sagas.Functions
/// host over loopback HTTP. The difference of the saga latencies is the latency the function step adds.
/// </summary>
internal static class FunctionLatency
{
    public static async Task RunAsync(int orders, bool json)
    {
        await using var functions = await StartFunctionHostAsync();
        var local = await MeasureAsync(null, orders);
        var remote = await MeasureAsync(functions.Endpoint, orders);
        var result = new
        {
            orders,
            containerStep = local,
            httpFunctionStep = remote,
            addedP50Ms = Math.Round(remote.P50Ms - local.P50Ms, 2),
            addedP99Ms = Math.Round(remote.P99Ms - local.P99Ms, 2),
        };
        Console.WriteLine(json
            ? JsonSerializer.Serialize(result, new JsonSerializerOptions(JsonSerializerDefaults.Web))
            : string.Create(CultureInfo.InvariantCulture, $"one saga at a time, {orders} sagas: container step {local}; HTTP function step {remote}; added p50 {result.addedP50Ms} ms, p99 {result.addedP99Ms} ms"));
    }

    private static async Task<Measurement> MeasureAsync(Uri? function, int orders)
    {
        var completion = new Completion();
        var services = new ServiceCollection();
        services.AddLogging(l => l.SetMinimumLevel(LogLevel.Error));
        services.AddSingleton<ISagaCommitObserver<BenchState>>(new CompletionObserver(completion));
        services.AddSagas(s =>
        {
            s.AddContracts(c => c.Add<OrderPlaced>().Add<Reserve>().Add<Release>().Add<Charge>().Add<Refund>().Add<Confirm>())
                .AddSaga<BenchSaga, BenchState>()
                .AddStep<Reserve, Done, Ok<Reserve>>()
                .AddStep<Release, Done, Ok<Release>>()
                .AddStep<Charge, Done, Ok<Charge>>()
                .AddStep<Refund, Done, Ok<Refund>>()
                .AddStep<Confirm, Done, Ok<Confirm>>();
            if (function is not null)
            {
                s.RouteSteps(r => r.Routes["com.example.bench.confirm.v1"] = new StepRoute { Http = function });
            }
        });
        await using var provider = services.BuildServiceProvider();
        var bus = provider.GetRequiredService<IBusControl>();
        await bus.StartAsync();
        try
        {
            for (var i = 0; i < 50; i++)
            {
                await RunOneAsync(bus, completion); // warm-up
            }

            var latencies = new double[orders];
            for (var i = 0; i < orders; i++)
            {
                latencies[i] = await RunOneAsync(bus, completion);
            }

            Array.Sort(latencies);
            return new Measurement(0, Percentile(latencies, 0.50), Percentile(latencies, 0.99));
        }
        finally
        {
            await bus.StopAsync();
        }
    }

    private static async Task<double> RunOneAsync(IBus bus, Completion completion)
    {
        var id = NewId.NextGuid();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        completion.OnDone = () => done.TrySetResult();
        var started = Stopwatch.GetTimestamp();
        completion.Submitted(id);
        await bus.Publish(new OrderPlaced(id, 10m));
        await done.Task.WaitAsync(TimeSpan.FromSeconds(30));
        return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }

    private static async Task<FunctionHost> StartFunctionHostAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddStepFunctions(f => f
            .AddContracts(c => c.Add<Confirm>())
            .AddHandler<Confirm, Done, Ok<Confirm>>());
        var app = builder.Build();
        app.MapStepFunctions("/steps");
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new FunctionHost(app, new Uri(address + "/steps"));
    }

    private static double Percentile(double[] sorted, double p)
        => Math.Round(sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)], 3);

    private sealed class FunctionHost(WebApplication app, Uri endpoint) : IAsyncDisposable
    {
        public Uri Endpoint { get; } = endpoint;

        public ValueTask DisposeAsync() => app.DisposeAsync();
    }
}
