using System.Collections.Concurrent;
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

    /// <summary>How many consumers and sagas took the message (each tells MassTransit once it did).</summary>
    public int Consumers => Volatile.Read(ref _consumers);

    private int _consumers;
    private ConcurrentQueue<Func<Task>>? _faults;

    public override Task NotifyConsumed<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType)
    {
        Interlocked.Increment(ref _consumers);
        return base.NotifyConsumed(context, duration, consumerType);
    }

    /// <summary>
    /// Holds a handler's fault back until <see cref="NotifyFaultsAsync"/>: the inbox/outbox filter tells it once the run's
    /// outcome shows it is one. A copy that ran before its inbox look-up and turns out a duplicate has no fault (nor a
    /// published <c>Fault</c> event), nor has an attempt that failed on the infrastructure and runs again.
    /// </summary>
    public override Task NotifyFaulted<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType, Exception exception)
    {
        LazyInitializer.EnsureInitialized(ref _faults).Enqueue(() => base.NotifyFaulted(context, duration, consumerType, exception));
        return Task.CompletedTask;
    }

    /// <summary>Tells MassTransit of the faults held back.</summary>
    public async Task NotifyFaultsAsync()
    {
        while (_faults is not null && _faults.TryDequeue(out var notify))
        {
            await notify().ConfigureAwait(false);
        }
    }
}
