using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.Json;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sagas.Benchmarks.ThreeStep;
using Sagas.Diagnostics;
using Sagas.Persistence;
using Sagas.Steps;

namespace Sagas.Benchmarks;

/// <summary>
/// The checkout shape on PostgreSQL with default durability: per order three saga transitions and two step
/// consumers. Prints sagas/s, p50/p99 saga latency, PostgreSQL transactions per saga (pg_stat_database) and
/// outbox lag p99.
/// </summary>
internal static class Durable
{
    /// <summary>The store settings a run measures.</summary>
    public sealed record StoreSettings(TimeSpan GroupCommitWindow, int RevisionCacheSize, int? MaxGroupsInFlight);

    public static async Task RunAsync(string connection, int orders, int inFlight, StoreSettings settings, bool json, bool quiet)
    {
        var schema = "bench_" + Guid.NewGuid().ToString("N")[..8];
        var completion = new Completion();
        var lags = new List<double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == SagasDiagnostics.Name && instrument.Name is "sagas.outbox.lag" or "sagas.postgresql.group.size")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, value, _, _) =>
        {
            lock (lags)
            {
                lags.Add(value);
            }
        });
        long groups = 0, parts = 0;
        listener.SetMeasurementEventCallback<int>((_, value, _, _) =>
        {
            Interlocked.Increment(ref groups);
            Interlocked.Add(ref parts, value);
        });
        listener.Start();

        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders().AddConsole().SetMinimumLevel(LogLevel.Error);
        builder.Services.AddSingleton<ISagaCommitObserver<BenchState>>(new CompletionObserver(completion));
        builder.Services.AddSagas(s => s
            .AddContracts(c => c.Add<OrderPlaced>().Add<Reserve>().Add<Release>().Add<Charge>())
            .AddSaga<TwoStepSaga, BenchState>()
            .AddStep<Reserve, Done, Ok<Reserve>>()
            .AddStep<Release, Done, Ok<Release>>()
            .AddStep<Charge, Done, Ok<Charge>>()
            .UseMarten(o =>
            {
                o.ConnectionString = connection;
                o.SchemaName = schema;
                o.GroupCommitWindow = settings.GroupCommitWindow;
                o.RevisionCacheSize = settings.RevisionCacheSize;
                o.MaxGroupsInFlight = settings.MaxGroupsInFlight ?? o.MaxGroupsInFlight;
            }));
        using var host = builder.Build();
        await host.StartAsync();
        var bus = host.Services.GetRequiredService<IBus>();
        var before = await PostgresDatabase.CommittedTransactionsAsync(connection);
        using var window = new SemaphoreSlim(inFlight);
        completion.OnDone = () => window.Release();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < orders; i++)
        {
            await window.WaitAsync();
            var id = NewId.NextGuid();
            completion.Submitted(id);
            await bus.Publish(new OrderPlaced(id, 10m));
        }

        await completion.WaitAsync(orders).WaitAsync(TimeSpan.FromMinutes(10));
        var elapsed = Stopwatch.GetElapsedTime(started);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        await host.StopAsync();
        host.Dispose(); // closes its connections before the count is read (the using's Dispose is then a no-op)
        var after = await PostgresDatabase.CommittedTransactionsAfterCloseAsync(connection);
        await PostgresDatabase.DropSchemaAsync(connection, schema);
        if (quiet)
        {
            return;
        }

        var latencies = completion.Latencies.Order().ToArray();
        double[] lag;
        lock (lags)
        {
            lag = [.. lags.Order()];
        }

        var result = new
        {
            orders,
            inFlight,
            groupCommitWindowMs = settings.GroupCommitWindow.TotalMilliseconds,
            revisionCacheSize = settings.RevisionCacheSize,
            sagasPerSecond = Math.Round(orders / elapsed.TotalSeconds, 1),
            p50Ms = Percentile(latencies, 0.50),
            p99Ms = Percentile(latencies, 0.99),
            transactionsPerSaga = Math.Round((after - before) / (double)orders, 2),
            outboxLagP99Ms = lag.Length == 0 ? 0 : Percentile(lag, 0.99),
            cpuMicrosecondsPerSaga = Math.Round(cpu.TotalMicroseconds / orders),
            partsPerGroup = groups == 0 ? 0 : Math.Round(parts / (double)groups, 1),
        };
        Console.WriteLine(json
            ? JsonSerializer.Serialize(result, new JsonSerializerOptions(JsonSerializerDefaults.Web))
            : string.Create(CultureInfo.InvariantCulture, $"PostgreSQL checkout shape, {orders} orders, {inFlight} in flight, group window {result.groupCommitWindowMs} ms, revision cache {result.revisionCacheSize}: {result.sagasPerSecond} sagas/s, p50 {result.p50Ms} ms, p99 {result.p99Ms} ms, {result.transactionsPerSaga} transactions/saga, outbox lag p99 {result.outboxLagP99Ms} ms, {result.partsPerGroup} statements per group, {result.cpuMicrosecondsPerSaga} µs CPU/saga in this process"));
    }

    private static double Percentile(double[] sorted, double p) => Math.Round(Percentiles.Of(sorted, p), 2);
}
