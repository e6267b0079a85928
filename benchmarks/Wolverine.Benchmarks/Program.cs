using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sagas.Benchmarks;
using Wolverine;
using Wolverine.Benchmarks;
using Wolverine.Marten;

// The durable benchmark's shape on Wolverine + Marten, for a side-by-side run with Sagas (benchmarks/run-postgres.sh
// --wolverine). Orders in a saga document stored by Marten, messages on durable local queues (Wolverine's inbox and
// outbox in the same PostgreSQL), transactions applied to every handler. Prints the same JSON as Sagas' --postgres --json.
//   dotnet run -c Release --project benchmarks/Wolverine.Benchmarks -- --postgres CONNECTION [--orders N] [--in-flight N] [--warm-up-seconds N] [--parallel N]
var connection = Value("--postgres") ?? throw new ArgumentException("--postgres CONNECTION is required");
var orders = int.Parse(Value("--orders") ?? "5000", CultureInfo.InvariantCulture); // as Sagas' --postgres run
var inFlight = int.Parse(Value("--in-flight") ?? "64", CultureInfo.InvariantCulture);
var schema = "wolverine_" + Guid.NewGuid().ToString("N")[..8];

var completion = new Completion();
var builder = Host.CreateApplicationBuilder();
builder.Logging.ClearProviders().AddConsole().SetMinimumLevel(LogLevel.Error);
builder.Services.AddSingleton(completion);
builder.Services.AddMarten(o =>
{
    o.Connection(connection);
    o.DatabaseSchemaName = schema;
}).IntegrateWithWolverine(w => w.MessageStorageSchemaName = schema);
builder.UseWolverine(o =>
{
    o.UseRuntimeCompilation(); // handlers are generated and compiled at start, as Wolverine does by default
    o.Durability.Mode = DurabilityMode.Solo; // one process, as Sagas' run: no leader election among nodes
    o.Policies.AutoApplyTransactions();
    o.Policies.UseDurableLocalQueues();
    // The start event arrives as Sagas' does in its benchmark, in memory: what is durable is what each handler commits.
    o.LocalQueueFor<OrderPlaced>().BufferedInMemory();
    // Messages each local queue handles at once: 32 by default, as each of Sagas' endpoints takes (Wolverine's own
    // default measured about 10 % slower here; 8 and 32 alike).
    var parallel = int.Parse(Value("--parallel") ?? "32", CultureInfo.InvariantCulture);
    o.Policies.AllLocalQueues(q => q.MaximumParallelMessages(parallel));
});
using var host = builder.Build();
await host.StartAsync();

// Warm-up past tiered compilation, as Sagas' --postgres run does: rounds of up to 2,000 orders until --warm-up-seconds
// (default 20) have passed, in this host (a new one would generate and compile its handlers again).
var warmUpUntil = Stopwatch.GetTimestamp() + (long)(int.Parse(Value("--warm-up-seconds") ?? "20", CultureInfo.InvariantCulture) * Stopwatch.Frequency);
do
{
    await RunOrdersAsync(Math.Min(2000, orders));
}
while (Stopwatch.GetTimestamp() < warmUpUntil);

// The warm-up's connections stay open in this host: a server process reports its last counts once it has idled 10 s.
await Task.Delay(TimeSpan.FromSeconds(11));
var before = await PostgresDatabase.CommittedTransactionsAsync(connection);
var cpuBefore = Environment.CpuUsage.TotalTime;
var started = Stopwatch.GetTimestamp();
await RunOrdersAsync(orders);
var elapsed = Stopwatch.GetElapsedTime(started);
var cpu = Environment.CpuUsage.TotalTime - cpuBefore;
await host.StopAsync();
host.Dispose(); // closes its connections before the count is read (the using's Dispose is then a no-op)
var after = await PostgresDatabase.CommittedTransactionsAfterCloseAsync(connection);
await PostgresDatabase.DropSchemaAsync(connection, schema);

var latencies = completion.Latencies.Order().ToArray();
Console.WriteLine(JsonSerializer.Serialize(new
{
    orders,
    inFlight,
    sagasPerSecond = Math.Round(orders / elapsed.TotalSeconds, 1),
    p50Ms = Math.Round(Percentiles.Of(latencies, 0.50), 2),
    p99Ms = Math.Round(Percentiles.Of(latencies, 0.99), 2),
    transactionsPerSaga = Math.Round((after - before) / (double)orders, 2),
    cpuMicrosecondsPerSaga = Math.Round(cpu.TotalMicroseconds / orders),
}, new JsonSerializerOptions(JsonSerializerDefaults.Web)));
return 0;

// Orders through a window of --in-flight submitters, each with a bus of its own (a Wolverine bus is not shared across
// threads): one publishes an order, waits for it to be done, publishes the next.
async Task RunOrdersAsync(int count)
{
    completion.Reset();
    var next = -1;
    await Task.WhenAll(Enumerable.Range(0, inFlight).Select(async _ =>
    {
        await using var scope = host.Services.CreateAsyncScope();
        var bus = scope.ServiceProvider.GetRequiredService<IMessageBus>();
        while (Interlocked.Increment(ref next) < count)
        {
            var id = Guid.CreateVersion7();
            var done = completion.Submitted(id);
            await bus.PublishAsync(new OrderPlaced(id, 10m));
            await done.WaitAsync(TimeSpan.FromMinutes(2));
        }
    }));
}

string? Value(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
