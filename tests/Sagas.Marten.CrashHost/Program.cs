using System.Diagnostics;
using System.Text.Json;
using Checkout;
using Checkout.Saga;
using Checkout.Simulation;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sagas;
using Sagas.Diagnostics;
using Sagas.Marten.CrashHost;
using Sagas.Marten.Outbox;
using Sagas.Marten.Persistence.Groups;
using Sagas.Outbox;
using Sagas.Persistence;
using Sagas.Steps;

// usage: CrashHost CONNECTION SCHEMA [--submit ORDER_ID[,ORDER_ID...]] [--crash-at after-commit|after-dispatch|group-in-flight] [--wait ORDER_ID[,ORDER_ID...]]
// Runs the checkout on PostgreSQL. With --crash-at it kills itself (SIGKILL, no cleanup) at that point of the
// first ReserveInventory command's delivery, or (group-in-flight) once a commit group of several parts has executed
// and before PostgreSQL acknowledged it; with --wait it waits until the orders' sagas are terminal and prints a JSON
// line describing the saga (an array of them for several orders).
var connection = args[0];
var schema = args[1];
string? Option(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
var crashAt = Option("--crash-at");
var submit = Option("--submit");
var waitFor = Option("--wait");

long duplicates = 0;
using var listener = new System.Diagnostics.Metrics.MeterListener();
listener.InstrumentPublished = (instrument, l) =>
{
    if (instrument.Meter.Name == SagasDiagnostics.Name && instrument.Name == "sagas.inbox.duplicates")
    {
        l.EnableMeasurementEvents(instrument);
    }
};
listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref duplicates, value));
listener.Start();

var builder = Host.CreateApplicationBuilder();
builder.Logging.ClearProviders().AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Warning);
var waited = waitFor?.Split(',').Select(Guid.Parse).ToArray() ?? [];
var terminal = waited.ToDictionary(id => id, _ => new TaskCompletionSource<CheckoutState>(TaskCreationOptions.RunContinuationsAsynchronously));
builder.Services.AddSingleton<ISagaCommitObserver<CheckoutState>>(new TerminalObserver(terminal));
if (crashAt == "group-in-flight")
{
    builder.Services.AddSingleton<ICommitGroupCheckpoint>(new CrashGroupCheckpoint());
}
else if (crashAt is not null)
{
    builder.Services.AddSingleton<IOutboxCheckpoint>(new CrashCheckpoint(crashAt));
}

// Deadlines far beyond any restart, so the runs test delivery, not timeouts, even on a loaded machine.
builder.Services.AddSingleton(new CheckoutSettings { Deadline = TimeSpan.FromMinutes(10) });
builder.Services.AddSagas(sagas => sagas.AddCheckout().UseMarten(o =>
{
    o.ConnectionString = connection;
    o.SchemaName = schema;
    o.RelayTakeoverDelay = TimeSpan.FromMilliseconds(200);
    o.RelayPollInterval = TimeSpan.FromMilliseconds(500);
}));

using var host = builder.Build();
await host.StartAsync();
if (submit is not null)
{
    var bus = host.Services.GetRequiredService<IBus>();
    await Task.WhenAll(submit.Split(',').Select(id => bus.Publish(OrderScenarios.Create(Scenario.Happy, 1) with { OrderId = Guid.Parse(id) })));
}

if (waitFor is null)
{
    await Task.Delay(TimeSpan.FromSeconds(30)); // a crash run is killed long before this
    Console.Error.WriteLine("the crash point was never reached");
    return 3;
}

var states = await Task.WhenAll(waited.Select(id => terminal[id].Task)).WaitAsync(TimeSpan.FromSeconds(60));
var described = states.Select(state => new
{
    state = state.CurrentState,
    completedSteps = state.History.Where(h => h.Kind == StepHistoryKind.Completed).Select(h => h.Step).ToArray(),
    staleReplies = state.History.Count(h => h.Kind == StepHistoryKind.IgnoredStaleReply),
    reservationId = state.ReservationId,
    inboxDuplicates = Interlocked.Read(ref duplicates),
}).ToArray();
Console.WriteLine(described.Length == 1 ? JsonSerializer.Serialize(described[0]) : JsonSerializer.Serialize(described));
await host.StopAsync();
return 0;

namespace Sagas.Marten.CrashHost
{
    internal sealed class TerminalObserver(Dictionary<Guid, TaskCompletionSource<CheckoutState>> terminal) : ISagaCommitObserver<CheckoutState>
    {
        public void OnCommitted(Guid id, CheckoutState state)
        {
            if (terminal.TryGetValue(id, out var waiting) && state.CurrentState is "Completed" or "Compensated" or "Rejected" or "Faulted")
            {
                waiting.TrySetResult(state);
            }
        }
    }

    /// <summary>Kills this process once a group of several commits has executed, before PostgreSQL's acknowledgement is read.</summary>
    internal sealed class CrashGroupCheckpoint : ICommitGroupCheckpoint
    {
        public ValueTask ExecutedAsync(int parts)
        {
            if (parts >= 2)
            {
                CrashCheckpoint.Die($"a group of {parts} parts executed, not yet acknowledged");
            }

            return ValueTask.CompletedTask;
        }
    }

    /// <summary>Kills this process, as a crash would, at the named point of a ReserveInventory command's delivery.</summary>
    internal sealed class CrashCheckpoint(string point) : IOutboxCheckpoint
    {
        private Guid _reserve;

        public ValueTask CommittedAsync(OutboxMessage message)
        {
            if (!System.Text.Encoding.UTF8.GetString(message.Body.Span).Contains("\"type\":\"com.example.checkout.reserve-inventory.v1\"", StringComparison.Ordinal))
            {
                return ValueTask.CompletedTask;
            }

            _reserve = message.Id;
            if (point == "after-commit")
            {
                Die("committed, not yet dispatched");
            }

            return ValueTask.CompletedTask;
        }

        public ValueTask DeliveredAsync(IReadOnlyList<Guid> messageIds)
        {
            if (point == "after-dispatch" && messageIds.Contains(_reserve))
            {
                Die("dispatched, not yet marked delivered");
            }

            return ValueTask.CompletedTask;
        }

        internal static void Die(string where)
        {
            Console.Error.WriteLine($"crashing: {where}");
            Console.Error.Flush();
            Process.GetCurrentProcess().Kill();
        }
    }
}
