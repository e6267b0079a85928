using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Sagas.Functions.Http;
using Sagas.Functions.Runner;

namespace Sagas.Functions.Tests.Harness;

/// <summary>
/// The HTTP host for real: a <see cref="WebApplication"/> on Kestrel at 127.0.0.1 on a free port, serving
/// <see cref="ReserveStockHandler"/> at <c>/steps</c>, with a <see cref="FakeTimeProvider"/>.
/// </summary>
public sealed class FunctionApp : IAsyncDisposable
{
    public const string Path = "/steps";

    private readonly WebApplication _app;

    private FunctionApp(WebApplication app, HttpClient client)
    {
        _app = app;
        Client = client;
    }

    /// <summary>A client whose base address is the server's.</summary>
    public HttpClient Client { get; }

    public HandlerProbe Probe => _app.Services.GetRequiredService<HandlerProbe>();

    public FakeTimeProvider Time => (FakeTimeProvider)_app.Services.GetRequiredService<TimeProvider>();

    public IServiceProvider Services => _app.Services;

    public static async Task<FunctionApp> StartAsync(Action<StepFunctionHttpOptions>? http = null, Action<StepFunctionOptions>? runner = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--urls", "http://127.0.0.1:0"] });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<TimeProvider>(new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)));
        builder.Services.AddSingleton<HandlerProbe>();
        builder.Services.AddStepFunctions(f => f
            .AddContracts(c => c.Add(new ReserveStockValidator()).Add<AuditNote>())
            .AddHandler<ReserveStock, StockReserved, ReserveStockHandler>()
            .Configure(runner ?? (_ => { }))
            .ConfigureHttp(http ?? (_ => { })));

        var app = builder.Build();
        app.MapStepFunctions(Path);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return new FunctionApp(app, new HttpClient { BaseAddress = new Uri(address) });
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
