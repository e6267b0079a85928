using System.Diagnostics;
using Checkout.Simulation;

namespace Checkout.Soak;

/// <summary>
/// One soak: starts the services, submits the orders (a window in flight, some twice), injects the faults meanwhile,
/// waits (bounded) for every saga to end, then checks everything from the outside.
/// </summary>
internal sealed class SoakRun(SoakOptions options)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan OrderPatience = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan QuietPeriod = TimeSpan.FromMinutes(2);

    public async Task<SoakSummary> RunAsync()
    {
        var infrastructure = new Infrastructure(options.State, options.RabbitMq);
        Console.WriteLine($"== start the function host, {options.Replicas} worker(s) and the API");
        await using var fleet = await Fleet.StartAsync(options);
        using var client = new OrderClient(fleet.Api.Address);
        var random = new Random(7);
        var runs = OrderScenarios.CreateMix(options.Orders).Select(o => new OrderRun(o, random.NextDouble() < options.Duplicates)).ToList();

        var clock = Stopwatch.StartNew();
        var submitted = 0;
        var injector = new FaultInjector(options, fleet, infrastructure, () => Volatile.Read(ref submitted), clock);
        using var stopFaults = new CancellationTokenSource();
        var faults = injector.RunAsync(stopFaults.Token);
        Console.WriteLine($"== {options.Orders} orders, {options.InFlight} in flight, {runs.Count(r => r.PostTwice)} POSTed twice; faults: {string.Join(", ", options.Faults.Select(FaultNames.Of))}");

        using var window = new SemaphoreSlim(options.InFlight);
        var rejected = 0;
        var work = runs.Select(async run =>
        {
            await window.WaitAsync();
            try
            {
                Interlocked.Increment(ref submitted);
                if (!await client.SubmitAsync(run.Order) || (run.PostTwice && !await client.SubmitAsync(run.Order)))
                {
                    Interlocked.Increment(ref rejected);
                    return;
                }

                run.AcceptedAt = DateTimeOffset.UtcNow;
                var accepted = Stopwatch.GetTimestamp();
                await PollUntilTerminalAsync(client, run, OrderPatience);
                if (run.IsTerminal)
                {
                    run.LatencyMs = Stopwatch.GetElapsedTime(accepted).TotalMilliseconds;
                }
            }
            finally
            {
                window.Release();
            }
        }).ToList();
        await Task.WhenAll(work);
        var submittedIn = clock.Elapsed;

        try
        {
            await faults.WaitAsync(TimeSpan.FromMinutes(10)); // every fault is bounded; this bounds the lot
        }
        catch (TimeoutException)
        {
            await stopFaults.CancelAsync();
        }

        Console.WriteLine($"== all {options.Orders} submitted in {submittedIn.TotalSeconds:0.0} s; waiting (at most {options.DrainTimeout.TotalSeconds:0} s) for the sagas still running");
        await DrainAsync(client, runs, options.DrainTimeout);

        var wall = clock.Elapsed;
        Console.WriteLine($"== ended after {wall.TotalSeconds:0.0} s; checking");
        var verdict = await Verdict.CheckAsync(runs, fleet, infrastructure, client, injector, rejected);
        return SoakSummary.From(options, runs, injector, client, verdict, wall);
    }

    /// <summary>
    /// Reads every saga that is not terminal yet, round after round, until all are, or only orders that never started are
    /// left and nothing has moved for <see cref="QuietPeriod"/> (longer than the outbox waits before it sends a start event
    /// again that no saga recorded, one minute), or
    /// <paramref name="timeout"/> has passed.
    /// </summary>
    private static async Task DrainAsync(OrderClient client, IReadOnlyList<OrderRun> runs, TimeSpan timeout)
    {
        var until = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        var lastProgress = Stopwatch.GetTimestamp();
        List<OrderRun> pending;
        while ((pending = [.. runs.Where(r => r.AcceptedAt is not null && !r.IsTerminal)]).Count > 0 && Stopwatch.GetTimestamp() < until)
        {
            if (pending.All(r => r.Saga is null) && Stopwatch.GetElapsedTime(lastProgress) > QuietPeriod)
            {
                return;
            }

            foreach (var run in pending)
            {
                var before = run.State;
                if (await client.GetAsync(run.Order.OrderId) is { } saga)
                {
                    run.Saga = saga;
                }

                if (run.State != before)
                {
                    lastProgress = Stopwatch.GetTimestamp();
                }
            }

            await Task.Delay(TimeSpan.FromSeconds(1));
        }
    }

    /// <summary>Reads the saga until it is terminal or <paramref name="patience"/> has passed (a 404 means: not started yet).</summary>
    private static async Task PollUntilTerminalAsync(OrderClient client, OrderRun run, TimeSpan patience)
    {
        var until = Stopwatch.GetTimestamp() + (long)(patience.TotalSeconds * Stopwatch.Frequency);
        do
        {
            if (await client.GetAsync(run.Order.OrderId) is { } saga)
            {
                run.Saga = saga;
                if (run.IsTerminal)
                {
                    return;
                }
            }

            await Task.Delay(PollInterval);
        }
        while (Stopwatch.GetTimestamp() < until);
    }
}
