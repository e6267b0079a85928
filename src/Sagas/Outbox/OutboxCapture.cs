using System.Collections.Concurrent;
using System.Diagnostics;
using MassTransit;
using MassTransit.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Sagas.CloudEvents;
using Sagas.Persistence;
using Sagas.Serialization;
using Sagas.Steps;

namespace Sagas.Outbox;

/// <summary>
/// Turns what a handler publishes or sends into outbox messages of its <see cref="MessageTransaction"/>: the message is
/// addressed (a publish goes to its type's publish address), correlated by the bus's send topology (a
/// <c>CorrelationId</c> property, say), passed through the caller's pipe and serialized once. MassTransit's send pipeline
/// runs once per message, when the dispatcher puts the stored body on the transport, not also here.
/// </summary>
internal sealed class OutboxCapture(CloudEventsMessageSerializer serializer, TimeProvider timeProvider, IServiceProvider services)
{
    private readonly ConcurrentDictionary<Type, Uri> _publishAddresses = new();
    private readonly ConcurrentDictionary<Type, object?> _correlations = new();
    private IBusTopology? _topology;

    public CloudEventsMessageSerializer Serializer => serializer;

    private IBusTopology Topology => _topology ??= services.GetRequiredService<IBus>().Topology;

    /// <summary>Where a publish of <typeparamref name="T"/> goes: the address of its type's exchange or topic.</summary>
    public Uri PublishAddressOf<T>()
        where T : class
        => _publishAddresses.GetOrAdd(typeof(T), static (_, topology) => topology.TryGetPublishAddress<T>(out var address)
            ? address
            : throw new InvalidOperationException($"The bus has no publish address for {typeof(T).Name}."), Topology);

    /// <summary>
    /// Sets the correlation id the send topology takes from the message (<c>CorrelatedBy&lt;Guid&gt;</c>, a <c>CorrelationId</c>
    /// property, or what the bus configured for the type), as MassTransit's send pipeline would: the bus's own topology of
    /// the type first, then the global one it delegates to.
    /// </summary>
    public void Correlate<T>(SendContext<T> context)
        where T : class
    {
        var correlation = _correlations.GetOrAdd(typeof(T), static (_, topology) =>
            CorrelationOf(topology.Send<T>()) ?? CorrelationOf(GlobalTopology.Send.GetMessageTopology<T>()), Topology);
        if (correlation is IMessageCorrelationId<T> id && id.TryGetCorrelationId(context.Message, out var value))
        {
            context.CorrelationId = value;
        }
    }

    private static IMessageCorrelationId<T>? CorrelationOf<T>(IMessageSendTopology<T> topology)
        where T : class
        => topology is IMessageSendTopologyConfigurator<T> send
            && send.TryGetConvention<ICorrelationIdMessageSendTopologyConvention<T>>(out var convention)
            && convention.TryGetMessageCorrelationId(out var correlationId)
                ? correlationId
                : null;

    /// <summary>Serializes <paramref name="context"/> into an outbox message of <paramref name="transaction"/>.</summary>
    /// <param name="context">The message, addressed, with every header set.</param>
    /// <param name="transaction">The transaction of the message being handled.</param>
    /// <param name="causationId">The CloudEvents <c>id</c> of the message being handled, if it has one.</param>
    public void Add<T>(SendContext<T> context, MessageTransaction transaction, string? causationId)
        where T : class
    {
        if (causationId is not null && !context.Headers.TryGetHeader(SagaAttributes.CausationId.Name, out _))
        {
            context.Headers.Set(SagaAttributes.CausationId.Name, causationId);
        }

        // A step timer is written when first read: a reply usually withdraws it long before it is due (in memory it is then
        // never written). Its writing cannot fail: the contract is the engine's own, with generated metadata.
        var now = timeProvider.GetUtcNow();
        var activity = Activity.Current;
        var timer = context.Message is StepTimerElapsed;
        transaction.Add(new OutboxMessage
        {
            Id = context.MessageId ?? NewId.NextGuid(),
            Destination = context.DestinationAddress ?? throw new InvalidOperationException($"Message {typeof(T).Name} has no destination address."),
            ContentType = CloudEventsMessageSerializer.CloudEventsContentType.MediaType,
            Body = timer ? default : serializer.Write(context, now, activity),
            WriteBody = timer ? () => serializer.Write(context, now, activity) : null,
            SagaId = context.CorrelationId,
            SagaCommit = transaction.SagaId is { } saga && context.CorrelationId == saga,
            DueTime = context.Delay is { } delay ? now + delay : null,
            Headers = activity is { IdFormat: ActivityIdFormat.W3C }
                ? new Dictionary<string, string>(1) { [SagaAttributes.TraceParent.Name] = activity.Id! }
                : null, // the delivery's span joins the trace of the transition that committed the message
        });
    }
}
