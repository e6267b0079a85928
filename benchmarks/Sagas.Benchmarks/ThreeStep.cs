using MassTransit;
using Sagas.Contracts;
using Sagas.Steps;

// The same three-transition order flow, once as a Sagas step saga and once as a plain MassTransit saga.
namespace Sagas.Benchmarks.ThreeStep;

[CloudEventContract("com.example.bench.order-placed", 1)]
public sealed record OrderPlaced(Guid OrderId, decimal Amount);

[CloudEventContract("com.example.bench.reserve", 1)]
public sealed record Reserve(Guid OrderId);

[CloudEventContract("com.example.bench.release", 1)]
public sealed record Release(Guid OrderId);

[CloudEventContract("com.example.bench.charge", 1)]
public sealed record Charge(Guid OrderId, decimal Amount);

[CloudEventContract("com.example.bench.refund", 1)]
public sealed record Refund(Guid OrderId, decimal Amount);

[CloudEventContract("com.example.bench.confirm", 1)]
public sealed record Confirm(Guid OrderId);

public sealed class BenchState : StepSagaState
{
    public decimal Amount { get; set; }
}

public sealed class BenchSaga : StepSagaStateMachine<BenchState>
{
    public BenchSaga()
    {
        Event(() => Placed, e => e.CorrelateById(m => m.Message.OrderId));
        Steps(plan => plan
            .Compensatable<Reserve, Done, Release>("Reserve", s => new Reserve(s.CorrelationId), s => new Release(s.CorrelationId))
            .Compensatable<Charge, Done, Refund>("Charge", s => new Charge(s.CorrelationId, s.Amount), s => new Refund(s.CorrelationId, s.Amount))
            .Pivot<Confirm, Done>("Confirm", s => new Confirm(s.CorrelationId)));
        Initially(When(Placed).Then(c => c.Saga.Amount = c.Message.Amount).ThenAsync(BeginStepsAsync));
    }

    public Event<OrderPlaced> Placed { get; private set; } = null!;
}

public sealed class Ok<T> : IStepHandler<T, Done>
    where T : class
{
    public ValueTask<StepOutcome<Done>> HandleAsync(T command, StepContext context) => ValueTask.FromResult<StepOutcome<Done>>(Done.Value);
}

/// <summary>
/// The durable benchmark's shape: the start event and two step replies (three saga transitions) and two step
/// consumers per order.
/// </summary>
public sealed class TwoStepSaga : StepSagaStateMachine<BenchState>
{
    public TwoStepSaga()
    {
        Event(() => Placed, e => e.CorrelateById(m => m.Message.OrderId));
        Steps(plan => plan
            .Compensatable<Reserve, Done, Release>("Reserve", s => new Reserve(s.CorrelationId), s => new Release(s.CorrelationId))
            .Pivot<Charge, Done>("Charge", s => new Charge(s.CorrelationId, s.Amount)));
        Initially(When(Placed).Then(c => c.Saga.Amount = c.Message.Amount).ThenAsync(BeginStepsAsync));
    }

    public Event<OrderPlaced> Placed { get; private set; } = null!;
}
