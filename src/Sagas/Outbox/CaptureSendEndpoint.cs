using MassTransit;
using MassTransit.Context;
using MassTransit.Initializers;

namespace Sagas.Outbox;

/// <summary>A send endpoint of a handler behind the inbox/outbox filter: what it sends is captured, never put on the transport.</summary>
internal sealed class CaptureSendEndpoint(CaptureReceiveContext capture, Uri destination) : ISendEndpoint
{
    public ConnectHandle ConnectSendObserver(ISendObserver observer) => capture.ConnectSendObserver(observer);

    public Task Send<T>(T message, CancellationToken cancellationToken = default)
        where T : class
        => capture.CaptureAsync(message, destination, null, cancellationToken);

    public Task Send<T>(T message, IPipe<SendContext<T>> pipe, CancellationToken cancellationToken = default)
        where T : class
        => capture.CaptureAsync(message, destination, pipe, cancellationToken);

    public Task Send<T>(T message, IPipe<SendContext> pipe, CancellationToken cancellationToken = default)
        where T : class
        => capture.CaptureAsync(message, destination, pipe, cancellationToken);

    public Task Send(object message, CancellationToken cancellationToken = default)
        => SendEndpointConverterCache.Send(this, message, message.GetType(), cancellationToken);

    public Task Send(object message, Type messageType, CancellationToken cancellationToken = default)
        => SendEndpointConverterCache.Send(this, message, messageType, cancellationToken);

    public Task Send(object message, IPipe<SendContext> pipe, CancellationToken cancellationToken = default)
        => SendEndpointConverterCache.Send(this, message, message.GetType(), pipe, cancellationToken);

    public Task Send(object message, Type messageType, IPipe<SendContext> pipe, CancellationToken cancellationToken = default)
        => SendEndpointConverterCache.Send(this, message, messageType, pipe, cancellationToken);

    public Task Send<T>(object values, CancellationToken cancellationToken = default)
        where T : class
        => SendInitializedAsync<T>(values, null, cancellationToken);

    public Task Send<T>(object values, IPipe<SendContext<T>> pipe, CancellationToken cancellationToken = default)
        where T : class
        => SendInitializedAsync(values, pipe, cancellationToken);

    public Task Send<T>(object values, IPipe<SendContext> pipe, CancellationToken cancellationToken = default)
        where T : class
        => SendInitializedAsync<T>(values, pipe, cancellationToken);

    private async Task SendInitializedAsync<T>(object values, IPipe<SendContext<T>>? pipe, CancellationToken cancellationToken)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(values);
        var (message, initializedPipe) = await MessageInitializerCache<T>.InitializeMessage(values, pipe ?? Pipe.Empty<SendContext<T>>(), cancellationToken).ConfigureAwait(false);
        await capture.CaptureAsync(message, destination, initializedPipe, cancellationToken).ConfigureAwait(false);
    }
}
