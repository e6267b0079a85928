using System.Diagnostics;
using MassTransit;
using MassTransit.Context;
using Sagas.CloudEvents;
using Sagas.Diagnostics;
using Sagas.Inbox;
using Sagas.Persistence;
using Sagas.Serialization;

namespace Sagas.Outbox;

/// <summary>
/// Publishes events from code that is not handling a message — an HTTP API starting a saga, say — through the
/// same transactional outbox as consumers: the event is committed first (with an inbox record under an idempotency
/// key, so a repeated request publishes nothing twice) and delivered afterwards, at least once, even if the broker
/// is down at the time. On PostgreSQL the event stays in the outbox after it is sent, until a consumer's inbox (or the
/// dead letters) in the same database record it, and is sent again while none has: an event lost in the broker (a node
/// that came back empty) still starts its saga.
/// </summary>
public interface IOutboxPublisher
{
    /// <summary>
    /// Commits <paramref name="message"/> to the outbox under <paramref name="idempotencyKey"/> and hands it over for
    /// delivery.
    /// </summary>
    /// <returns><see langword="true"/> when published now; <see langword="false"/> when this key was published before (nothing new is sent).</returns>
    /// <exception cref="InvalidOperationException"><typeparamref name="T"/> is not a registered contract.</exception>
    Task<bool> PublishAsync<T>(T message, string idempotencyKey, CancellationToken cancellationToken = default)
        where T : class;
}

internal sealed class OutboxPublisher(
    IBus bus,
    IMessageStore store,
    IOutboxDispatcher dispatcher,
    CloudEventsMessageSerializer serializer,
    SagasOptions options) : IOutboxPublisher
{
    /// <summary>The inbox endpoint name under which published idempotency keys are recorded.</summary>
    internal const string Endpoint = "sagas-publish";

    public async Task<bool> PublishAsync<T>(T message, string idempotencyKey, CancellationToken cancellationToken = default)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentException.ThrowIfNullOrWhiteSpace(idempotencyKey);
        if (!bus.Topology.TryGetPublishAddress<T>(out var destination))
        {
            throw new InvalidOperationException($"The bus has no publish address for {typeof(T).Name}.");
        }

        using var activity = SagasDiagnostics.ActivitySource.StartActivity($"publish {typeof(T).Name}", ActivityKind.Producer);
        var id = NewId.NextGuid();
        activity?.SetTag("messaging.operation.type", "publish");
        activity?.SetTag("messaging.message.id", id.ToString());
        var context = new MessageSendContext<T>(message, cancellationToken)
        {
            MessageId = id,
            DestinationAddress = destination,
            SourceAddress = bus.Address,
            Serializer = serializer,
        };

        var body = serializer.GetMessageBody(context);
        var transaction = new MessageTransaction(new InboxKey(Endpoint, options.Source.ToString(), idempotencyKey));
        transaction.Add(new OutboxMessage
        {
            Id = id,
            Destination = destination,
            ContentType = serializer.ContentType.MediaType,
            Body = body.GetBytes(),
            ConfirmSource = bus.Address.ToString(), // the source the body carries (SourceAddress)
            Headers = activity is { IdFormat: ActivityIdFormat.W3C }
                ? new Dictionary<string, string>(1) { [SagaAttributes.TraceParent.Name] = activity.Id! }
                : null,
        });

        transaction.Record(await store.CommitAsync(transaction, cancellationToken).ConfigureAwait(false));
        await transaction.DispatchOnceAsync(dispatcher, cancellationToken).ConfigureAwait(false);
        return transaction.IsCommitted;
    }
}
