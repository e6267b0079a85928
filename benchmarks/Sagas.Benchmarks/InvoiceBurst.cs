using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Checkout.Contracts;
using Checkout.Simulation;
using Checkout.Steps;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sagas.Contracts;
using Sagas.Gateway;
using Sagas.Persistence;
using Sagas.Placement;
using Sagas.Steps;

namespace Sagas.Benchmarks;

/// <summary>
/// A burst of invoices (the checkout's PDF step) started at once and drained three ways: by the container only (the
/// handler in this process), by the function only (the same handler on the loopback function host, over HTTP), and with
/// overflow (the container while it has fewer than <c>--overflow-at</c> in flight and its commands waited less than
/// <c>--queue-wait-ms</c> in the queue, the function host for the rest). Reports each one's drain time and the p50/p99 of a
/// saga from start to its invoice. Usage: <c>--burst [--invoices N] [--overflow-at N] [--queue-wait-ms N]</c>.
/// Everything runs in this process, on this machine's cores: the hosts share the CPU, so overflow adds no capacity here
/// that separate machines would; what it adds is the function host's concurrency (each request runs at once) next to the
/// consumer's bounded one.
/// </summary>
internal static class InvoiceBurst
{
    public static async Task RunAsync(int invoices, int overflowAt, TimeSpan queueWait, bool json)
    {
        var folder = Directory.CreateTempSubdirectory("sagas-burst").FullName;
        try
        {
            var effects = new EffectLog();
            await using var functions = await LoopbackStepFunctions.StartAsync(effects, configure: o => o.OutputDirectory = Path.Combine(folder, "warm-up"));
            var results = new List<object>();
            foreach (var (mode, route) in new (string, Func<StepRoute?>)[]
            {
                ("container only", () => null),
                ("function only", () => new StepRoute { Http = functions.Endpoint, AttemptTimeout = TimeSpan.FromMinutes(2) }),
                ("overflow", () => new StepRoute { Http = functions.Endpoint, AttemptTimeout = TimeSpan.FromMinutes(2), Overflow = new StepOverflow { MaxInFlight = overflowAt, QueueWaitTarget = queueWait } }),
            })
            {
                functions.Options.OutputDirectory = Path.Combine(folder, mode.Replace(' ', '-'));
                await DrainAsync(route(), Math.Min(200, invoices), functions.Options.OutputDirectory + "-warm"); // warm-up: JIT and fonts
                var (drain, p50, p99, placed) = await DrainAsync(route(), invoices, functions.Options.OutputDirectory);
                results.Add(new { mode, invoices, drainSeconds = Math.Round(drain, 2), p50Ms = p50, p99Ms = p99, onFunctionHost = placed });
                if (!json)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{mode,-15} {invoices} invoices drained in {drain,6:0.00} s   p50 {p50,8:0} ms   p99 {p99,8:0} ms   on the function host {placed}"));
                }
            }

            if (json)
            {
                Console.WriteLine(JsonSerializer.Serialize(new { invoices, overflowAt, queueWaitMs = queueWait.TotalMilliseconds, results }, new JsonSerializerOptions(JsonSerializerDefaults.Web)));
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<(double DrainSeconds, double P50Ms, double P99Ms, int OnFunctionHost)> DrainAsync(StepRoute? route, int count, string output)
    {
        var done = new Done(count);
        var services = new ServiceCollection();
        services.AddLogging(l => l.SetMinimumLevel(LogLevel.Error));
        services.AddSingleton(done);
        services.AddSingleton<ISagaCommitObserver<InvoiceState>>(done);
        services.AddCheckoutInvoices(new ConfigurationBuilder().AddInMemoryCollection([new("Checkout:OutputDirectory", output)]).Build());
        services.AddSagas(s =>
        {
            s.AddContracts(c => c.Add<InvoiceRequested>().Add<GenerateInvoice>())
                .AddSaga<InvoiceSaga, InvoiceState>()
                .AddStep<GenerateInvoice, InvoiceGenerated, NoHandler>();
            if (route is not null)
            {
                s.RouteSteps(r => r.Routes[CheckoutStepRoutes.EventTypeOf(typeof(GenerateInvoice))] = route);
            }
        });
        await using var provider = services.BuildServiceProvider();
        var bus = provider.GetRequiredService<IBusControl>();
        await bus.StartAsync();
        try
        {
            var started = Stopwatch.GetTimestamp();
            await Task.WhenAll(Enumerable.Range(0, count).Select(_ =>
            {
                var id = NewId.NextGuid();
                done.Started[id] = Stopwatch.GetTimestamp();
                return bus.Publish(new InvoiceRequested(id));
            }));
            await done.All.Task.WaitAsync(TimeSpan.FromMinutes(10));
            var drain = Stopwatch.GetElapsedTime(started).TotalSeconds;
            var latencies = done.Latencies.Order().ToArray();
            var onFunctionHost = route is { Overflow: null } ? count : done.OnFunctionHost;
            return (drain, Percentile(latencies, 0.50), Percentile(latencies, 0.99), onFunctionHost);
        }
        finally
        {
            await bus.StopAsync();
        }
    }

    private static double Percentile(double[] sorted, double p)
        => Math.Round(sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)], 0);

    /// <summary>Stands in for the handler <c>AddCheckoutInvoices</c> registered first (the PDF one); never resolved.</summary>
    private sealed class NoHandler : IStepHandler<GenerateInvoice, InvoiceGenerated>
    {
        public ValueTask<StepOutcome<InvoiceGenerated>> HandleAsync(GenerateInvoice command, StepContext context) => throw new NotSupportedException();
    }

    private sealed class Done(int expected) : ISagaCommitObserver<InvoiceState>
    {
        private int _done;

        public ConcurrentDictionary<Guid, long> Started { get; } = new();

        public ConcurrentBag<double> Latencies { get; } = [];

        public TaskCompletionSource All { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int OnFunctionHost => _onFunctionHost;

        private int _onFunctionHost;

        public void OnCommitted(Guid sagaId, InvoiceState state)
        {
            if (state.CurrentState != "Completed" || !Started.TryRemove(sagaId, out var started))
            {
                return;
            }

            Latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            if (state.History.Any(h => h.Kind == StepHistoryKind.Placed && h.Reason?.StartsWith("overflow", StringComparison.Ordinal) == true))
            {
                Interlocked.Increment(ref _onFunctionHost);
            }

            if (Interlocked.Increment(ref _done) == expected)
            {
                All.TrySetResult();
            }
        }
    }
}

[CloudEventContract("com.example.bench.invoice-requested", 1)]
public sealed record InvoiceRequested(Guid OrderId);

public sealed class InvoiceState : StepSagaState;

/// <summary>One step: the checkout's invoice, for an order of 120 lines (a few pages, so the PDF is the work that queues).</summary>
public sealed class InvoiceSaga : StepSagaStateMachine<InvoiceState>
{
    private static readonly IReadOnlyList<OrderLine> Lines = [.. Enumerable.Range(1, 120).Select(i => new OrderLine($"SKU-{i:D4}", 1 + (i % 3), 4.75m + i))];

    public InvoiceSaga()
    {
        Event(() => Requested, e => e.CorrelateById(m => m.Message.OrderId));
        Steps(plan => plan.Retriable<GenerateInvoice, InvoiceGenerated>(
            "GenerateInvoice",
            s => new GenerateInvoice(s.CorrelationId, "customer-1", Lines, Lines.Sum(l => l.Quantity * l.UnitPrice)),
            configure: o => o.Deadline = TimeSpan.FromMinutes(5)));
        Initially(When(Requested).ThenAsync(BeginStepsAsync));
    }

    public Event<InvoiceRequested> Requested { get; private set; } = null!;
}
