using MassTransit;
using Sagas.Contracts;

namespace Sagas.RabbitMq.Topology;

/// <summary>
/// Names a message type's exchange after its CloudEvents <c>type</c> (<c>com.example.checkout.order-submitted.v1</c>),
/// so that the broker's topology reads as the event catalogue and clients in any language can bind to it.
/// MassTransit's own messages keep MassTransit's names.
/// </summary>
internal sealed class CloudEventsEntityNameFormatter(ContractRegistry contracts, IEntityNameFormatter fallback) : IEntityNameFormatter
{
    public string FormatEntityName<T>()
        => contracts.TryGet(typeof(T), out var contract) ? contract.EventType : fallback.FormatEntityName<T>();
}
