using MassTransit;

// The baseline: a plain MassTransit 8 state machine on the in-memory transport with its own in-memory
// repository and JSON envelope serializer: no CloudEvents, inbox, outbox, deadlines or compensation log.
namespace Sagas.Benchmarks.Plain;

public sealed record OrderPlaced(Guid CorrelationId, decimal Amount);

public sealed record Reserve(Guid CorrelationId);

public sealed record Reserved(Guid CorrelationId);

public sealed record Charge(Guid CorrelationId, decimal Amount);

public sealed record Charged(Guid CorrelationId);

public sealed record Confirm(Guid CorrelationId);

public sealed record Confirmed(Guid CorrelationId);

public sealed class PlainState : SagaStateMachineInstance
{
    public Guid CorrelationId { get; set; }

    public string CurrentState { get; set; } = string.Empty;

    public decimal Amount { get; set; }
}

public sealed class PlainSaga : MassTransitStateMachine<PlainState>
{
    public PlainSaga(Completion completion)
    {
        InstanceState(x => x.CurrentState);
        Initially(When(Placed).Then(c => c.Saga.Amount = c.Message.Amount).Publish(c => new Reserve(c.Saga.CorrelationId)).TransitionTo(Reserving));
        During(Reserving, When(ReservedEvent).Publish(c => new Charge(c.Saga.CorrelationId, c.Saga.Amount)).TransitionTo(Charging));
        During(Charging, When(ChargedEvent).Publish(c => new Confirm(c.Saga.CorrelationId)).TransitionTo(Confirming));
        During(Confirming, When(ConfirmedEvent).TransitionTo(Done).Then(c => completion.Done(c.Saga.CorrelationId)));
    }

    public State Reserving { get; private set; } = null!;

    public State Charging { get; private set; } = null!;

    public State Confirming { get; private set; } = null!;

    public State Done { get; private set; } = null!;

    public Event<OrderPlaced> Placed { get; private set; } = null!;

    public Event<Reserved> ReservedEvent { get; private set; } = null!;

    public Event<Charged> ChargedEvent { get; private set; } = null!;

    public Event<Confirmed> ConfirmedEvent { get; private set; } = null!;
}

public sealed class ReserveConsumer : IConsumer<Reserve>
{
    public Task Consume(ConsumeContext<Reserve> context) => context.Publish(new Reserved(context.Message.CorrelationId));
}

public sealed class ChargeConsumer : IConsumer<Charge>
{
    public Task Consume(ConsumeContext<Charge> context) => context.Publish(new Charged(context.Message.CorrelationId));
}

public sealed class ConfirmConsumer : IConsumer<Confirm>
{
    public Task Consume(ConsumeContext<Confirm> context) => context.Publish(new Confirmed(context.Message.CorrelationId));
}
