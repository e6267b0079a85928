using MassTransit;
using Sagas.Contracts;
using Sagas.Steps;
using Sagas.Testing;

namespace Sagas.Tests.Shipping;

// A saga whose steps have no executor in the process: the tests play the executor and reply themselves, so each rule of
// the step engine (retries, outages, deadlines, compensation) is driven one reply at a time.

[CloudEventContract("com.example.shipping.shipment-requested", 1)]
public sealed record ShipmentRequested(Guid ShipmentId);

[CloudEventContract("com.example.shipping.reserve-slot", 1)]
public sealed record ReserveSlot(Guid ShipmentId);

[CloudEventContract("com.example.shipping.release-slot", 1)]
public sealed record ReleaseSlot(Guid ShipmentId);

[CloudEventContract("com.example.shipping.book-carrier", 1)]
public sealed record BookCarrier(Guid ShipmentId);

[CloudEventContract("com.example.shipping.notify-customer", 1)]
public sealed record NotifyCustomer(Guid ShipmentId);

public sealed class ShipmentState : StepSagaState;

public sealed class ShipmentSaga : StepSagaStateMachine<ShipmentState>
{
    public static readonly StepRetryOptions Retry = new() { MaxAttempts = 3, InitialDelay = TimeSpan.FromSeconds(1), BackoffFactor = 1, Jitter = 0 };

    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    public static readonly TimeSpan OutageBudget = TimeSpan.FromMinutes(2);

    public ShipmentSaga()
    {
        Event(() => Requested, e => e.CorrelateById(m => m.Message.ShipmentId));
        Steps(plan => plan
            .Compensatable<ReserveSlot, Done, ReleaseSlot>("ReserveSlot", s => new ReserveSlot(s.CorrelationId), s => new ReleaseSlot(s.CorrelationId), configure: Configure)
            .Pivot<BookCarrier, Done>("BookCarrier", s => new BookCarrier(s.CorrelationId), configure: Configure)
            .Retriable<NotifyCustomer, Done>("NotifyCustomer", s => new NotifyCustomer(s.CorrelationId), configure: Configure));
        Initially(When(Requested).ThenAsync(BeginStepsAsync));
    }

    public Event<ShipmentRequested> Requested { get; private set; } = null!;

    private static void Configure(StepOptions options)
    {
        options.Retry = Retry;
        options.CompensationRetry = Retry with { MaxAttempts = int.MaxValue };
        options.Deadline = Deadline;
        options.OutageBudget = OutageBudget;
    }
}

/// <summary>A started shipment saga and the replies a test sends as its executor.</summary>
public sealed class Shipment(SagaTestHost host, Guid id) : IAsyncDisposable
{
    public Guid Id { get; } = id;

    public SagaTestHost Host { get; } = host;

    public SagaWatcher<ShipmentState> Sagas => Host.Watcher<ShipmentState>();

    public static async Task<Shipment> StartAsync(Action<SagasBuilder>? configure = null, Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? services = null)
    {
        var host = await SagaTestHost.StartAsync(
            sagas =>
            {
                sagas.AddContracts(c => c.Add<ShipmentRequested>().Add<ReserveSlot>().Add<ReleaseSlot>().Add<BookCarrier>().Add<NotifyCustomer>())
                    .AddSaga<ShipmentSaga, ShipmentState>();
                configure?.Invoke(sagas);
            },
            s =>
            {
                SagaTestHost.AddWatcher<ShipmentState>(s);
                services?.Invoke(s);
            });
        var shipment = new Shipment(host, Guid.NewGuid());
        await host.Bus.Publish(new ShipmentRequested(shipment.Id));
        await shipment.WaitAsync("ReserveSlot", StepStatus.Running, 1);
        return shipment;
    }

    public StepProgress Step(ShipmentState state, string name) => state.Steps.Single(s => s.Name == name);

    public Task<ShipmentState> WaitAsync(string step, StepStatus status, int attempt)
        => Sagas.WaitAsync(Id, s => Step(s, step) is { } p && p.Status == status && p.Attempt == attempt);

    public Task<ShipmentState> WaitForStateAsync(string state) => Sagas.WaitAsync(Id, s => s.CurrentState == state);

    public Task CompleteAsync(string step, int attempt, bool compensation = false)
        => Host.Bus.Publish(new StepCompleted(Id, step, attempt, compensation));

    public Task FailAsync(string step, int attempt, string reason, bool permanent = false, bool compensation = false)
        => Host.Bus.Publish(new StepFailed(Id, step, attempt, compensation, reason, permanent));

    public Task UnavailableAsync(string step, int attempt, long? retryAfterMs = null, bool compensation = false, long? outageBudgetMs = null)
        => Host.Bus.Publish(new StepFailed(Id, step, attempt, compensation, "HttpRequestException: Connection refused", Permanent: false, Unavailable: true, retryAfterMs, outageBudgetMs));

    /// <summary>
    /// Waits for the retry of <paramref name="step"/> after <paramref name="attempt"/> to be scheduled, lets it fire and
    /// waits for the next attempt to be requested, so that a reply the test sends for it is not older than the saga's
    /// request (a reply for an attempt the saga has not asked for yet is ignored as stale).
    /// </summary>
    /// <returns>The state while the retry was waiting.</returns>
    public async Task<ShipmentState> RetryAsync(string step, int attempt, bool compensation = false)
    {
        var waiting = await WaitAsync(step, compensation ? StepStatus.CompensationWaitingRetry : StepStatus.WaitingRetry, attempt);
        Host.Time.Advance(Step(waiting, step).DueAt!.Value - Host.Time.GetUtcNow());
        await WaitAsync(step, compensation ? StepStatus.Compensating : StepStatus.Running, attempt + 1);
        return waiting;
    }

    public ValueTask DisposeAsync() => Host.DisposeAsync();

    public async Task PassReserveAndBookAsync()
    {
        await CompleteAsync("ReserveSlot", 1);
        await WaitAsync("BookCarrier", StepStatus.Running, 1);
        await CompleteAsync("BookCarrier", 1);
        await WaitAsync("NotifyCustomer", StepStatus.Running, 1);
    }
}
