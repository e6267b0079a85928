using MassTransit;
using MassTransit.Context;
using Sagas.Persistence;

namespace Sagas.Outbox;

/// <summary>
/// The receive context of a message handled behind the inbox/outbox filter, whose send and publish endpoints capture into
/// the message's <see cref="MessageTransaction"/> (<see cref="CaptureSendEndpoint"/>).
/// </summary>
internal sealed class CaptureReceiveContext(ReceiveContext received, OutboxCapture capture, MessageTransaction transaction, string? causationId)
    : ReceiveContextProxy(received), ISendEndpointProvider, IPublishEndpointProvider
{
    private readonly ISendEndpointProvider _transportSend = received.SendEndpointProvider;
    private readonly IPublishEndpointProvider _transportPublish = received.PublishEndpointProvider;

    public override ISendEndpointProvider SendEndpointProvider => this;

    public override IPublishEndpointProvider PublishEndpointProvider => this;

    public Task<ISendEndpoint> GetSendEndpoint(Uri address)
        => Task.FromResult<ISendEndpoint>(new CaptureSendEndpoint(this, address));

    public Task<ISendEndpoint> GetPublishSendEndpoint<T>()
        where T : class
        => Task.FromResult<ISendEndpoint>(new CaptureSendEndpoint(this, capture.PublishAddressOf<T>()));

    public ConnectHandle ConnectSendObserver(ISendObserver observer) => _transportSend.ConnectSendObserver(observer);

    public ConnectHandle ConnectPublishObserver(IPublishObserver observer) => _transportPublish.ConnectPublishObserver(observer);

    /// <summary>Addresses, correlates and pipes a message to <paramref name="destination"/>, then adds it to the transaction.</summary>
    internal async Task CaptureAsync<T>(T message, Uri destination, IPipe<SendContext<T>>? pipe, CancellationToken cancellationToken)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(message);
        var send = new MessageSendContext<T>(message, cancellationToken)
        {
            DestinationAddress = destination,
            SourceAddress = InputAddress,
            Serializer = capture.Serializer,
        };
        capture.Correlate(send);
        if (pipe is not null && pipe.IsNotEmpty())
        {
            await pipe.Send(send).ConfigureAwait(false);
        }

        send.ConversationId ??= NewId.NextGuid();
        capture.Add(send, transaction, causationId);
    }
}
