using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sagas.Benchmarks;
using Sagas.Benchmarks.ThreeStep;
using Sagas.Persistence;
using Sagas.Steps;

// In-memory comparison: the same three-transition saga (reserve → charge → confirm) through Sagas and through
// plain MassTransit, same in-flight window, each in a child process of its own, measured in turns (SideBySide.cs). Usage:
//   dotnet run -c Release --project benchmarks/Sagas.Benchmarks -- [--orders N] [--in-flight N] [--rounds N] [--warm-up N] [--warm-up-seconds N] [--json]
// One of the two alone, for a profiler (--allocations adds the types that dominate allocation and the bytes collections promoted):
//   dotnet run -c Release --project benchmarks/Sagas.Benchmarks -- --only sagas|plain [--orders N] [--rounds N] [--allocations]
// Sagas of this build against Sagas of another (a copy of bin/Release/net10.0 made before a change), in turns, for a change's A/B:
//   dotnet run -c Release --project benchmarks/Sagas.Benchmarks -- --against PATH [--orders N] [--rounds N] [--json]
// Durable run on PostgreSQL (three saga transitions and two step consumers per order), see benchmarks/run-postgres.sh:
//   dotnet run -c Release --project benchmarks/Sagas.Benchmarks -- --postgres CONNECTION [--orders N] [--in-flight N] [--warm-up-seconds N] [--group-window MS] [--revision-cache N] [--groups-in-flight N] [--json]
// The same beside Wolverine + Marten (benchmarks/Wolverine.Benchmarks, built), a fresh process per round, in turns; see run-postgres.sh --wolverine:
//   dotnet run -c Release --project benchmarks/Sagas.Benchmarks -- --postgres CONNECTION --wolverine PATH/Wolverine.Benchmarks.dll [--rounds N] [--parallel N] [--orders N] [--in-flight N] [--json]
// Latency a step adds when it runs as an HTTP function instead of a container consumer:
//   dotnet run -c Release --project benchmarks/Sagas.Benchmarks -- --functions [--orders N] [--json]
// A burst of invoices drained by the container only, the function only, and with overflow (one process, see InvoiceBurst.cs):
//   dotnet run -c Release --project benchmarks/Sagas.Benchmarks -- --burst [--invoices N] [--overflow-at N] [--queue-wait-ms N] [--json]
// What one invoice PDF costs the process that writes it (CPU per invoice, file size; see InvoiceCost.cs):
//   dotnet run -c Release --project benchmarks/Sagas.Benchmarks -- --invoice-cost [--invoices N] [--json]
// Cold start of the HTTP function host (samples/Checkout.FunctionHost, built in Release): process start to first handled event:
//   dotnet run -c Release --project benchmarks/Sagas.Benchmarks -- --cold-start [--runs N] [--host PATH/Checkout.FunctionHost.dll or a native executable] [--json]
// The inspector's pages on a large catalog in PostgreSQL (see benchmarks/run-catalog.sh):
//   dotnet run -c Release --project benchmarks/Sagas.Benchmarks -- --catalog CONNECTION [--sagas N] [--runs N] [--json]
// The multi-process checkout through its HTTP API (start it with eng/checkout-topology.sh, which calls this):
//   dotnet run -c Release --project benchmarks/Sagas.Benchmarks -- --api http://127.0.0.1:5080 [--orders N] [--in-flight N | --rate R] [--json]
var orders = Arg("--orders", 5000);
var inFlight = Arg("--in-flight", 64);
var json = args.Contains("--json");
if (args.Contains("--burst"))
{
    await InvoiceBurst.RunAsync(Arg("--invoices", 2000), Arg("--overflow-at", 4), TimeSpan.FromMilliseconds(Arg("--queue-wait-ms", 250)), json);
    return 0;
}

if (args.Contains("--invoice-cost"))
{
    await InvoiceCost.RunAsync(Arg("--invoices", 3000), json);
    return 0;
}

if (args.Contains("--functions"))
{
    await FunctionLatency.RunAsync(Arg("--orders", 1000), json);
    return 0;
}

if (Value("--api") is { } api)
{
    double? rate = Value("--rate") is { } r ? double.Parse(r, CultureInfo.InvariantCulture) : null;
    await ApiLoad.RunAsync(new Uri(api), Arg("--orders", 1000), inFlight, rate, json);
    return 0;
}

if (Value("--catalog") is { } catalog)
{
    await Catalog.RunAsync(catalog, Arg("--sagas", 1_000_000), Arg("--runs", 200), json);
    return 0;
}

if (args.Contains("--cold-start"))
{
    await ColdStart.RunAsync(Arg("--runs", 10), Value("--host"), json);
    return 0;
}

if (Value("--wolverine") is { } wolverine && args.Contains("--postgres"))
{
    await DurableSideBySide.RunAsync(args, wolverine, Arg("--rounds", 3), json);
    return 0;
}

if (Value("--postgres") is { } postgres)
{
    // --group-window MS (default 2; 0 turns group commit off), --revision-cache N (default 10000; 0 turns it off),
    // --groups-in-flight N (default: the store's, 4)
    var store = new Durable.StoreSettings(
        TimeSpan.FromMilliseconds(Arg("--group-window", 2)),
        Arg("--revision-cache", 10_000),
        Arg("--groups-in-flight", 0) is > 0 and var groups ? groups : null);
    // Warm-up past tiered compilation: rounds of up to 2,000 orders until --warm-up-seconds (default 20) have passed. With
    // PostgreSQL on the same 2 cores the JIT was still compiling a third of the time 10 s into the measured run.
    var warmUpUntil = Stopwatch.GetTimestamp() + (long)(Arg("--warm-up-seconds", 20) * Stopwatch.Frequency);
    do
    {
        await Durable.RunAsync(postgres, Math.Min(2000, orders), inFlight, store, json: false, quiet: true);
    }
    while (Stopwatch.GetTimestamp() < warmUpUntil);

    await Durable.RunAsync(postgres, orders, inFlight, store, json, quiet: false);
    return 0;
}

// Warm each side up so JIT is not measured: rounds of --warm-up orders (default 2,000) until --warm-up-seconds (default
// 25) have passed. A fixed 2,000 orders was not enough: the first measured round still ran partly tiered code (one run's
// plain rounds were 1457, 2859, 4056 sagas/s). Nor were 6 s: rounds of either, run one after another after 6 s, still
// got faster for another 15-20 s (plain 548 → about 380 µs CPU per saga, Sagas 862 → about 560), so the first rounds
// measured tiering, not the code. Then measure them in turns (--rounds, default 5) and take each one's median round.
var rounds = Arg("--rounds", 5);
var warmUp = Arg("--warm-up", 2000);
var warmUpTime = TimeSpan.FromSeconds(Arg("--warm-up-seconds", 25));
if (Value("--serve") is { } served)
{
    // A child of the side-by-side run: one side, warmed up and measured when the parent says.
    Func<int, int, Task<Measurement>> side = served == "plain" ? RunPlainAsync : RunSagasAsync;
    await SideBySide.ServeAsync(() => WarmUpAsync(side, warmUp, inFlight, warmUpTime), () => side(orders, inFlight));
    return 0;
}

if (Value("--only") is { } only)
{
    // One of the two alone, for a profiler: `--only sagas` or `--only plain`.
    // `--allocations` adds the types that dominate allocation in the measured rounds.
    Func<int, int, Task<Measurement>> run = only == "plain" ? RunPlainAsync : RunSagasAsync;
    using var allocations = args.Contains("--allocations") ? new AllocationProfile() : null;
    await WarmUpAsync(run, warmUp, inFlight, warmUpTime);
    allocations?.Start();
    for (var round = 0; round < rounds; round++)
    {
        Console.WriteLine($"{only}: {await run(orders, inFlight)}");
    }

    allocations?.Stop();
    if (allocations is not null)
    {
        Console.WriteLine(allocations.Promoted());
    }

    foreach (var line in allocations?.Top(40) ?? [])
    {
        Console.WriteLine(line);
    }

    return 0;
}

if (Value("--against") is { } thatBuild)
{
    // Sagas of another build against Sagas of this one, in turns: a change's A/B within the noise of this machine kind.
    var (thatRounds, thisRounds) = await SideBySide.AgainstAsync(args, rounds, thatBuild);
    var ratios = thisRounds.Zip(thatRounds, (one, other) => one.SagasPerSecond / other.SagasPerSecond).ToList();
    var medianRatio = Math.Round(ratios.Order().ElementAt(ratios.Count / 2), 3);
    if (json)
    {
        Console.WriteLine(JsonSerializer.Serialize(new { orders, inFlight, rounds, that = Median(thatRounds), @this = Median(thisRounds), medianRoundRatio = medianRatio }, new JsonSerializerOptions(JsonSerializerDefaults.Web)));
    }
    else
    {
        Console.WriteLine($"Sagas, this build against {thatBuild}: {orders} orders, {inFlight} in flight, in memory, a process each, median of {rounds} round(s) each");
        Console.WriteLine($"  that build : {Median(thatRounds)}");
        Console.WriteLine($"  this build : {Median(thisRounds)}");
        Console.WriteLine(FormattableString.Invariant($"  this / that, median of the rounds' ratios: {medianRatio:0.000} ({string.Join(", ", ratios.Select(r => r.ToString("0.000", CultureInfo.InvariantCulture)))})"));
    }

    return 0;
}

var (plainRounds, sagasRounds) = await SideBySide.RunAsync(args, rounds);
var plain = Median(plainRounds);
var sagas = Median(sagasRounds);

var result = new
{
    orders,
    inFlight,
    rounds,
    plainMassTransit = plain,
    sagas,
    throughputRatio = Math.Round(sagas.SagasPerSecond / plain.SagasPerSecond, 3),
};
if (json)
{
    Console.WriteLine(JsonSerializer.Serialize(result, new JsonSerializerOptions(JsonSerializerDefaults.Web)));
}
else
{
    Console.WriteLine($"three-step saga, {orders} orders, {inFlight} in flight, in memory, a process each, median of {rounds} round(s) each");
    Console.WriteLine($"  plain MassTransit : {plain}");
    Console.WriteLine($"  Sagas            : {sagas}");
    Console.WriteLine($"  Sagas / plain throughput: {result.throughputRatio:0.000}");
    Console.WriteLine($"  rounds, plain: {string.Join(", ", plainRounds.Select(m => m.SagasPerSecond.ToString("0", CultureInfo.InvariantCulture)))}; Sagas: {string.Join(", ", sagasRounds.Select(m => m.SagasPerSecond.ToString("0", CultureInfo.InvariantCulture)))}");
}

return 0;

static async Task WarmUpAsync(Func<int, int, Task<Measurement>> run, int orders, int inFlight, TimeSpan atLeast)
{
    var started = Stopwatch.GetTimestamp();
    do
    {
        await run(orders, inFlight);
    }
    while (Stopwatch.GetElapsedTime(started) < atLeast);
}

static Measurement Median(List<Measurement> measured) => measured.OrderBy(m => m.SagasPerSecond).ElementAt(measured.Count / 2);

int Arg(string name, int fallback) => Value(name) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

// The value after the option NAME, if it is given with one.
string? Value(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;

static async Task<Measurement> RunPlainAsync(int count, int inFlight)
{
    var completion = new Completion();
    var services = new ServiceCollection();
    services.AddLogging(l => l.SetMinimumLevel(LogLevel.Error));
    services.AddSingleton(completion);
    services.AddMassTransit(x =>
    {
        x.AddSagaStateMachine<Sagas.Benchmarks.Plain.PlainSaga, Sagas.Benchmarks.Plain.PlainState>().InMemoryRepository();
        x.AddConsumer<Sagas.Benchmarks.Plain.ReserveConsumer>();
        x.AddConsumer<Sagas.Benchmarks.Plain.ChargeConsumer>();
        x.AddConsumer<Sagas.Benchmarks.Plain.ConfirmConsumer>();
        x.UsingInMemory((context, cfg) =>
        {
            cfg.ConcurrentMessageLimit = Environment.ProcessorCount * 8;
            cfg.ConfigureEndpoints(context);
        });
    });
    await using var provider = services.BuildServiceProvider();
    return await MeasureAsync(provider, completion, count, inFlight, (bus, id) => bus.Publish(new Sagas.Benchmarks.Plain.OrderPlaced(id, 10m)));
}

static async Task<Measurement> RunSagasAsync(int count, int inFlight)
{
    var completion = new Completion();
    var services = new ServiceCollection();
    services.AddLogging(l => l.SetMinimumLevel(LogLevel.Error));
    services.AddSingleton<ISagaCommitObserver<BenchState>>(new CompletionObserver(completion));
    services.AddSagas(s => s
        .Configure(o => o.ConcurrentMessageLimit = Environment.ProcessorCount * 8) // as plain MassTransit's above
        .AddContracts(c => c.Add<OrderPlaced>().Add<Reserve>().Add<Release>().Add<Charge>().Add<Refund>().Add<Confirm>())
        .AddSaga<BenchSaga, BenchState>()
        .AddStep<Reserve, Done, Ok<Reserve>>()
        .AddStep<Release, Done, Ok<Release>>()
        .AddStep<Charge, Done, Ok<Charge>>()
        .AddStep<Refund, Done, Ok<Refund>>()
        .AddStep<Confirm, Done, Ok<Confirm>>());
    await using var provider = services.BuildServiceProvider();
    return await MeasureAsync(provider, completion, count, inFlight, (bus, id) => bus.Publish(new OrderPlaced(id, 10m)));
}

static async Task<Measurement> MeasureAsync(ServiceProvider provider, Completion completion, int count, int inFlight, Func<IBus, Guid, Task> submit)
{
    var bus = provider.GetRequiredService<IBusControl>();
    await bus.StartAsync();
    try
    {
        using var window = new SemaphoreSlim(inFlight);
        completion.OnDone = () => window.Release();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var collectionsBefore = GC.CollectionCount(0);
        var gen1Before = GC.CollectionCount(1);
        var gen2Before = GC.CollectionCount(2);
        var pausedBefore = GC.GetTotalPauseDuration();
        var cpuBefore = Environment.CpuUsage.TotalTime;
        var workItemsBefore = ThreadPool.CompletedWorkItemCount;
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < count; i++)
        {
            await window.WaitAsync();
            var id = NewId.NextGuid();
            completion.Submitted(id);
            await submit(bus, id);
        }

        await completion.WaitAsync(count).WaitAsync(TimeSpan.FromMinutes(5));
        var elapsed = Stopwatch.GetElapsedTime(started);
        var latencies = completion.Latencies.Order().ToArray();
        return new Measurement(
            Math.Round(count / elapsed.TotalSeconds, 1),
            Percentile(latencies, 0.50),
            Percentile(latencies, 0.99))
        {
            KilobytesPerSaga = Math.Round((GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / 1024.0 / count, 1),
            Gen0PerThousand = Math.Round((GC.CollectionCount(0) - collectionsBefore) * 1000.0 / count, 1),
            Gen1PerThousand = Math.Round((GC.CollectionCount(1) - gen1Before) * 1000.0 / count, 2),
            Gen2PerThousand = Math.Round((GC.CollectionCount(2) - gen2Before) * 1000.0 / count, 2),
            CpuMicrosecondsPerSaga = Math.Round((Environment.CpuUsage.TotalTime - cpuBefore).TotalMicroseconds / count, 0),
            GcPausePercent = Math.Round(100 * (GC.GetTotalPauseDuration() - pausedBefore) / elapsed, 1),
            WorkItemsPerSaga = Math.Round((ThreadPool.CompletedWorkItemCount - workItemsBefore) / (double)count, 1),
        };
    }
    finally
    {
        await bus.StopAsync();
    }
}

static double Percentile(double[] sorted, double p)
    => Math.Round(sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)], 2);

namespace Sagas.Benchmarks
{
    internal sealed record Measurement(double SagasPerSecond, double P50Ms, double P99Ms)
    {
        /// <summary>Bytes allocated per saga, in KiB (every thread, the whole process).</summary>
        public double KilobytesPerSaga { get; init; }

        /// <summary>Gen-0 collections per thousand sagas.</summary>
        public double Gen0PerThousand { get; init; }

        /// <summary>Gen-1 collections (gen-2 ones included) per thousand sagas.</summary>
        public double Gen1PerThousand { get; init; }

        /// <summary>Gen-2 collections per thousand sagas.</summary>
        public double Gen2PerThousand { get; init; }

        /// <summary>Processor time of the whole process (every thread, user and kernel) per saga, in microseconds.</summary>
        public double CpuMicrosecondsPerSaga { get; init; }

        /// <summary>Share of the measured time the runtime held every thread paused for garbage collection.</summary>
        public double GcPausePercent { get; init; }

        /// <summary>Thread-pool work items completed per saga (each a hop from one thread to another).</summary>
        public double WorkItemsPerSaga { get; init; }

        public override string ToString() => SagasPerSecond > 0
            ? FormattableString.Invariant($"{SagasPerSecond,8:0.0} sagas/s  p50 {P50Ms,7:0.00} ms  p99 {P99Ms,7:0.00} ms  {KilobytesPerSaga,6:0.0} KiB/saga  {Gen0PerThousand,5:0.0} gen0/1000 ({Gen1PerThousand:0.00} gen1, {Gen2PerThousand:0.00} gen2)  {CpuMicrosecondsPerSaga,5:0} µs CPU/saga  GC paused {GcPausePercent,4:0.0} %  {WorkItemsPerSaga,5:0.0} work items/saga")
            : FormattableString.Invariant($"p50 {P50Ms:0.000} ms, p99 {P99Ms:0.000} ms");
    }

    /// <summary>Records when each saga was submitted and finished.</summary>
    public sealed class Completion
    {
        private readonly ConcurrentDictionary<Guid, long> _started = new();
        private readonly ConcurrentBag<double> _latencies = [];
        private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _done;
        private int _expected = int.MaxValue;

        public Action? OnDone { get; set; }

        public IEnumerable<double> Latencies => _latencies;

        public void Submitted(Guid id) => _started[id] = Stopwatch.GetTimestamp();

        public void Done(Guid id)
        {
            if (!_started.TryRemove(id, out var started))
            {
                return;
            }

            _latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            OnDone?.Invoke();
            if (Interlocked.Increment(ref _done) >= Volatile.Read(ref _expected))
            {
                _all.TrySetResult();
            }
        }

        public Task WaitAsync(int count)
        {
            Volatile.Write(ref _expected, count);
            if (Volatile.Read(ref _done) >= count)
            {
                _all.TrySetResult();
            }

            return _all.Task;
        }
    }

    internal sealed class CompletionObserver(Completion completion) : ISagaCommitObserver<BenchState>
    {
        public void OnCommitted(Guid sagaId, BenchState state)
        {
            if (state.CurrentState == "Completed")
            {
                completion.Done(sagaId);
            }
        }
    }
}
