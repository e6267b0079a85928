// Part of the throwaway consumer project that Sagas.Packaging.Tests builds against the packed packages.
// MassTransit needs message types in a namespace, as real applications have them.
using System.Collections.Concurrent;
using MassTransit;
using Sagas.Contracts;
using Sagas.Persistence;
using Sagas.Steps;

namespace Shipping;

/// <summary>A customer asked for a parcel to be shipped: starts the saga.</summary>
[CloudEventContract("com.example.shipping.shipment-requested", 1)]
public sealed record ShipmentRequested(Guid ShipmentId, string ParcelId);

/// <summary>Step 1 (compensatable): reserve a slot for the parcel.</summary>
[CloudEventContract("com.example.shipping.reserve-parcel", 1)]
public sealed record ReserveParcel(Guid ShipmentId, string ParcelId);

/// <summary>Result of <see cref="ReserveParcel"/>.</summary>
public sealed record ParcelReserved(string ReservationId);

/// <summary>Undoes <see cref="ReserveParcel"/>.</summary>
[CloudEventContract("com.example.shipping.cancel-parcel", 1)]
public sealed record CancelParcel(Guid ShipmentId, string? ReservationId);

/// <summary>Step 2 (retriable): tell the customer.</summary>
[CloudEventContract("com.example.shipping.notify-customer", 1)]
public sealed record NotifyCustomer(Guid ShipmentId, string ReservationId);

/// <summary>The saga's state.</summary>
public sealed class ShipmentState : StepSagaState
{
    public string ParcelId { get; set; } = string.Empty;

    public string? ReservationId { get; set; }
}

/// <summary>Reserve the parcel (compensatable), then notify the customer (retriable).</summary>
public sealed class ShipmentSaga : StepSagaStateMachine<ShipmentState>
{
    public ShipmentSaga()
    {
        Event(() => ShipmentRequested, e => e.CorrelateById(m => m.Message.ShipmentId));

        Steps(plan => plan
            .Compensatable<ReserveParcel, ParcelReserved, CancelParcel>(
                "ReserveParcel",
                s => new ReserveParcel(s.CorrelationId, s.ParcelId),
                s => new CancelParcel(s.CorrelationId, s.ReservationId),
                (s, r) => s.ReservationId = r.ReservationId)
            .Retriable<NotifyCustomer, Done>(
                "NotifyCustomer",
                s => new NotifyCustomer(s.CorrelationId, s.ReservationId ?? string.Empty)));

        Initially(
            When(ShipmentRequested)
                .Then(c => c.Saga.ParcelId = c.Message.ParcelId)
                .ThenAsync(BeginStepsAsync));
    }

    public Event<ShipmentRequested> ShipmentRequested { get; private set; } = null!;
}

/// <summary>Reserves the parcel; the reservation id comes back to the saga as the step's result.</summary>
public sealed class ReserveParcelHandler : IStepHandler<ReserveParcel, ParcelReserved>
{
    public ValueTask<StepOutcome<ParcelReserved>> HandleAsync(ReserveParcel command, StepContext context)
        => ValueTask.FromResult<StepOutcome<ParcelReserved>>(new ParcelReserved($"reservation-{command.ParcelId}"));
}

/// <summary>Cancels the reservation; runs only if a later step fails.</summary>
public sealed class CancelParcelHandler : IStepHandler<CancelParcel, Done>
{
    public ValueTask<StepOutcome<Done>> HandleAsync(CancelParcel command, StepContext context)
        => ValueTask.FromResult<StepOutcome<Done>>(Done.Value);
}

/// <summary>Notifies the customer.</summary>
public sealed class NotifyCustomerHandler : IStepHandler<NotifyCustomer, Done>
{
    public ValueTask<StepOutcome<Done>> HandleAsync(NotifyCustomer command, StepContext context)
        => ValueTask.FromResult<StepOutcome<Done>>(Done.Value);
}

/// <summary>Signals when a saga reaches a terminal state, from the commits Sagas reports.</summary>
public sealed class SagaOutcomes : ISagaCommitObserver<ShipmentState>
{
    private static readonly HashSet<string> TerminalStates = ["Completed", "Rejected", "Compensated", "Faulted"];
    private readonly ConcurrentDictionary<Guid, TaskCompletionSource<ShipmentState>> _terminal = new();
    private readonly ConcurrentDictionary<Guid, string> _last = new();

    public void OnCommitted(Guid sagaId, ShipmentState state)
    {
        _last[sagaId] = state.CurrentState;
        if (TerminalStates.Contains(state.CurrentState))
        {
            Signal(sagaId).TrySetResult(state);
        }
    }

    public Task<ShipmentState> TerminalAsync(Guid sagaId, CancellationToken cancellationToken)
        => Signal(sagaId).Task.WaitAsync(cancellationToken);

    public string? LastState(Guid sagaId) => _last.GetValueOrDefault(sagaId);

    private TaskCompletionSource<ShipmentState> Signal(Guid sagaId)
        => _terminal.GetOrAdd(sagaId, _ => new TaskCompletionSource<ShipmentState>(TaskCreationOptions.RunContinuationsAsynchronously));
}
