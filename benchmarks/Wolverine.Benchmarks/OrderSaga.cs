using Wolverine;
using Wolverine.Persistence.Sagas;

namespace Wolverine.Benchmarks;

// The durable benchmark's shape (Sagas' TwoStepSaga): the start event and two step replies, three saga transitions, and
// two step handlers per order.
public sealed record OrderPlaced(Guid OrderId, decimal Amount);

public sealed record Reserve([property: SagaIdentity] Guid OrderId);

public sealed record Reserved([property: SagaIdentity] Guid OrderId);

public sealed record Charge([property: SagaIdentity] Guid OrderId, decimal Amount);

public sealed record Charged([property: SagaIdentity] Guid OrderId);

/// <summary>The order: reserve, then charge, then done; stored by Marten, its messages through Wolverine's outbox.</summary>
public sealed class OrderSaga : Saga
{
    public Guid Id { get; set; }

    public decimal Amount { get; set; }

    public static (OrderSaga, Reserve) Start(OrderPlaced placed)
        => (new OrderSaga { Id = placed.OrderId, Amount = placed.Amount }, new Reserve(placed.OrderId));

    public Charge Handle(Reserved reserved) => new(reserved.OrderId, Amount);

    public void Handle(Charged charged, Completion completion)
    {
        MarkCompleted();
        completion.Done(charged.OrderId);
    }
}

public static class ReserveHandler
{
    public static Reserved Handle(Reserve reserve) => new(reserve.OrderId);
}

public static class ChargeHandler
{
    public static Charged Handle(Charge charge) => new(charge.OrderId);
}
