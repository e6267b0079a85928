using CloudNative.CloudEvents;
using MassTransit;
using Sagas.CloudEvents;
using Sagas.Steps;

namespace Sagas.Gateway;

/// <summary>
/// Publishes a step reply that a channel listener received onto the bus, where the saga takes it. The message id
/// is derived from the reply's CloudEvents source + id, so a redelivered reply is a duplicate for the saga's inbox.
/// </summary>
internal sealed class BusStepReplyHandler(IBus bus, CloudEventConverter converter) : IStepReplyHandler
{
    public async Task HandleAsync(CloudEvent reply, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reply);
        var decoded = converter.Decode(reply);
        var sagaId = decoded.Message switch
        {
            StepCompleted completed => completed.SagaId,
            StepFailed failed => failed.SagaId,
            _ => throw new CloudEventRejectedException(reply.Type, reply.Id, reply.Source?.ToString(), [$"a step channel carried a {reply.Type} event; only step replies are accepted"]),
        };
        var messageId = NameBasedId.Create($"{reply.Source}\n{reply.Id}");
        await bus.Publish(decoded.Message, decoded.Contract.ClrType, Pipe.Execute<PublishContext>(p =>
        {
            p.MessageId = messageId;
            p.CorrelationId = sagaId;
            if (reply[SagaAttributes.Placement.Name] is string placement)
            {
                p.Headers.Set(SagaAttributes.Placement.Name, placement); // an overflowed command's placement, for the saga's history
            }
        }), cancellationToken).ConfigureAwait(false);
    }
}
