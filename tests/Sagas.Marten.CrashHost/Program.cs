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
using Sagas.Outbox;
using Sagas.Persistence;
using Sagas.Steps;

// usage: CrashHost CONNECTION SCHEMA [--submit ORDER_ID] [--crash-at after-commit|after-dispatch] [--wait ORDER_ID]
// Runs the checkout on PostgreSQL. With --crash-at it kills itself (SIGKILL, no cleanup) at that point of the
// first ReserveInventory command's delivery; with --wait it waits until the order's saga is terminal and prints
// a JSON line describing it.
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
var terminal = new TaskCompletionSource<CheckoutState>(TaskCreationOptions.RunContinuationsAsynchronously);
builder.Services.AddSingleton<ISagaCommitObserver<CheckoutState>>(new TerminalObserver(waitFor is null ? Guid.Empty : Guid.Parse(waitFor), terminal));
if (crashAt is not null)
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
    var order = OrderScenarios.Create(Scenario.Happy, 1) with { OrderId = Guid.Parse(submit) };
    await host.Services.GetRequiredService<IBus>().Publish(order);
}

if (waitFor is null)
{
    await Task.Delay(TimeSpan.FromSeconds(30)); // a crash run is killed long before this
    Console.Error.WriteLine("the crash point was never reached");
    return 3;
}

var state = await terminal.Task.WaitAsync(TimeSpan.FromSeconds(60));
Console.WriteLine(JsonSerializer.Serialize(new
{
    state = state.CurrentState,
    completedSteps = state.History.Where(h => h.Kind == StepHistoryKind.Completed).Select(h => h.Step).ToArray(),
    staleReplies = state.History.Count(h => h.Kind == StepHistoryKind.IgnoredStaleReply),
    reservationId = state.ReservationId,
    inboxDuplicates = Interlocked.Read(ref duplicates),
}));
await host.StopAsync();
return 0;

namespace Sagas.Marten.CrashHost
{
    internal sealed class TerminalObserver(Guid sagaId, TaskCompletionSource<CheckoutState> terminal) : ISagaCommitObserver<CheckoutState>
    {
        public void OnCommitted(Guid id, CheckoutState state)
        {
            if (id == sagaId && state.CurrentState is "Completed" or "Compensated" or "Rejected" or "Faulted")
            {
                terminal.TrySetResult(state);
            }
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

        private static void Die(string where)
        {
            Console.Error.WriteLine($"crashing: {where}");
            Console.Error.Flush();
            Process.GetCurrentProcess().Kill();
        }
    }
}
