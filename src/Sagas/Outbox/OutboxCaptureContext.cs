using MassTransit;
using MassTransit.Context;
using Sagas.Persistence;
using Sagas.Serialization;

namespace Sagas.Outbox;

/// <summary>
/// The consume context a handler runs in behind the inbox/outbox filter: every <c>Publish</c> and <c>Send</c> it makes
/// (also through the saga and behavior contexts MassTransit builds on top of it, which take their endpoints from its
/// receive context) becomes an outbox message of the <see cref="MessageTransaction"/> instead of going to the transport.
/// </summary>
internal sealed class OutboxCaptureContext<TMessage> : ConsumeContextProxy<TMessage>
    where TMessage : class
{
    public OutboxCaptureContext(ConsumeContext<TMessage> context, MessageTransaction transaction, OutboxCapture capture)
        : base(context)
    {
        var endpoints = new CaptureReceiveContext(context.ReceiveContext, capture, transaction, context.Headers.Get<string>(CloudEventHeaders.Id));
        ReceiveContext = endpoints;
        PublishEndpointProvider = endpoints;
        context.AddOrUpdatePayload(() => transaction, _ => transaction);
    }
}
