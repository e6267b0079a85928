using System.Diagnostics;
using MassTransit;
using MassTransit.Serialization;
using Sagas.CloudEvents;
using Sagas.Diagnostics;
using Sagas.Serialization;

namespace Sagas.Outbox;

/// <summary>Puts an outbox message on the transport exactly as it was serialized when it was committed.</summary>
public static class OutboxSender
{
    /// <summary>Sends <paramref name="message"/> to its destination, keeping its id, body and headers.</summary>
    /// <remarks>
    /// <paramref name="cancellationToken"/> stops the wait, never the transport's operation: a RabbitMQ channel whose
    /// declaration or publish was cancelled halfway can stay unusable for every later send (its replies no longer match
    /// its requests; rabbitmq-dotnet-client #1802 and #1750), which after a broker outage left sends hanging until their
    /// timeout and consumers idle for good. A send the caller stopped waiting for finishes or fails on its own; at worst
    /// the message is sent again later, which the receiver's inbox absorbs.
    /// </remarks>
    public static async Task SendAsync(ISendEndpointProvider transport, OutboxMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(message);
        cancellationToken.ThrowIfCancellationRequested();
        var send = SendUncancelledAsync(transport, message);
        if (!cancellationToken.CanBeCanceled)
        {
            await send.ConfigureAwait(false);
            return;
        }

        try
        {
            await send.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!send.IsCompleted)
        {
            _ = send.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            throw;
        }
    }

    private static async Task SendUncancelledAsync(ISendEndpointProvider transport, OutboxMessage message)
    {
        using var activity = StartSend(message);
        var endpoint = await DestinationEndpoints.GetAsync(transport, message.Destination).ConfigureAwait(false);
        var contentType = message.ContentType == CloudEventsMessageSerializer.CloudEventsContentType.MediaType
            ? CloudEventsMessageSerializer.CloudEventsContentType // the usual one, parsed once
            : new System.Net.Mime.ContentType(message.ContentType);
        var serializer = new CopyBodySerializer(contentType, MessageBodies.Of(message.Body));
        try
        {
            await endpoint.Send(new SerializedMessageBody(), Pipe.Execute<SendContext<SerializedMessageBody>>(context => AsCommitted(context, message, serializer)), CancellationToken.None).ConfigureAwait(false);
        }
        catch
        {
            DestinationEndpoints.Forget(transport, message.Destination); // its retry looks the endpoint up again
            throw;
        }
    }

    /// <summary>The send as it was committed: its id, saga, body and headers.</summary>
    private static void AsCommitted(SendContext context, OutboxMessage message, CopyBodySerializer serializer)
    {
        context.MessageId = message.Id;
        context.CorrelationId = message.SagaId;
        context.Serializer = serializer;
        if (message.Headers is not null)
        {
            foreach (var (name, value) in message.Headers)
            {
                context.Headers.Set(name, value);
            }
        }
    }

    private static Activity? StartSend(OutboxMessage message)
    {
        if (!SagasDiagnostics.ActivitySource.HasListeners())
        {
            return null;
        }

        ActivityContext.TryParse(message.Headers?.GetValueOrDefault(SagaAttributes.TraceParent.Name), null, isRemote: true, out var parent);
        var activity = SagasDiagnostics.ActivitySource.StartActivity($"send {message.Destination.AbsolutePath.Trim('/')}", ActivityKind.Producer, parent);
        activity?.SetTag("messaging.operation.type", "send");
        activity?.SetTag("messaging.destination.name", message.Destination.AbsolutePath.Trim('/'));
        activity?.SetTag("messaging.message.id", message.Id.ToString());
        return activity;
    }
}
