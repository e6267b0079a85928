using System.Diagnostics;
using Checkout.Contracts;
using Checkout.Simulation;
using MassTransit;

namespace Checkout;

/// <summary>The summary of a run, printed as a table or as JSON.</summary>
public sealed record RunSummary(
    int Orders,
    int Completed,
    int Rejected,
    int Compensated,
    int Faulted,
    double SagasPerSecond,
    double P50Ms,
    double P95Ms,
    double P99Ms);

/// <summary>An order that did not reach the terminal state its data implies.</summary>
public sealed record Mismatch(Guid OrderId, Scenario Scenario, string Expected, string Actual, string? Reason);

/// <summary>Submits orders, waits until every saga is terminal and checks each against its scenario.</summary>
public static class CheckoutRun
{
    /// <summary>
    /// Runs <paramref name="orders"/> through the bus, keeping at most <paramref name="inFlight"/> sagas
    /// running at once (as a shop's traffic would), so latency measures a saga, not a queue.
    /// </summary>
    public static async Task<(RunSummary Summary, IReadOnlyList<Mismatch> Mismatches)> ExecuteAsync(
        IBus bus,
        OrderTracker tracker,
        IReadOnlyList<OrderSubmitted> orders,
        int inFlight,
        TimeSpan timeout,
        IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(bus);
        ArgumentNullException.ThrowIfNull(tracker);
        ArgumentNullException.ThrowIfNull(orders);
        using var cts = new CancellationTokenSource(timeout);
        using var window = new SemaphoreSlim(inFlight);
        void Release(Guid _) => window.Release();
        tracker.Terminal += Release;
        var started = Stopwatch.GetTimestamp();
        try
        {
            foreach (var order in orders)
            {
                await window.WaitAsync(cts.Token).ConfigureAwait(false);
                tracker.Submitted(order.OrderId);
                await bus.Publish(order, cts.Token).ConfigureAwait(false);
                progress?.Report(tracker.TerminalCount);
            }
        }
        catch (OperationCanceledException)
        {
            // timed out while submitting: report what finished
        }

        var wait = tracker.WaitForAsync(orders.Count, cts.Token);
        while (!wait.IsCompleted)
        {
            progress?.Report(tracker.TerminalCount);
            await Task.WhenAny(wait, Task.Delay(100, CancellationToken.None)).ConfigureAwait(false);
        }

        tracker.Terminal -= Release;
        progress?.Report(tracker.TerminalCount);
        var elapsed = Stopwatch.GetElapsedTime(started);
        var results = tracker.Results;
        var mismatches = new List<Mismatch>();
        foreach (var order in orders)
        {
            var scenario = OrderScenarios.ScenarioOf(order);
            var expected = OrderScenarios.ExpectedState(scenario);
            var actual = results.TryGetValue(order.OrderId, out var result) ? result.State : "not terminal";
            if (actual != expected)
            {
                mismatches.Add(new Mismatch(order.OrderId, scenario, expected, actual, result.Reason));
            }
        }

        var latencies = results.Values.Select(r => r.LatencyMs).Order().ToArray();
        var summary = new RunSummary(
            orders.Count,
            results.Values.Count(r => r.State == "Completed"),
            results.Values.Count(r => r.State == "Rejected"),
            results.Values.Count(r => r.State == "Compensated"),
            results.Values.Count(r => r.State == "Faulted"),
            Math.Round(results.Count / elapsed.TotalSeconds, 1),
            Percentile(latencies, 0.50),
            Percentile(latencies, 0.95),
            Percentile(latencies, 0.99));
        return (summary, mismatches);
    }

    private static double Percentile(double[] sorted, double p)
        => sorted.Length == 0 ? 0 : Math.Round(sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)], 2);
}
