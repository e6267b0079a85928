using System.Collections.Concurrent;
using MassTransit;
using MassTransit.Context;
using Sagas.Faults;
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

    /// <summary>
    /// Whether a consumer's fault is held back until <see cref="NotifyDeferredFaultsAsync"/>: for a delivery that ran
    /// before its inbox look-up, whose fault is no fault (nor a published <c>Fault</c> event) if it turns out a duplicate.
    /// A fault of the infrastructure is always held back: the delivery runs again (<c>InfrastructureRetryFilter</c>).
    /// </summary>
    public bool DeferFaults { get; init; }

    private int _consumers;
    private ConcurrentQueue<Func<Task>>? _faults;

    public override Task NotifyConsumed<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType)
    {
        Interlocked.Increment(ref _consumers);
        return base.NotifyConsumed(context, duration, consumerType);
    }

    public override Task NotifyFaulted<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType, Exception exception)
    {
        if (!DeferFaults && !InfrastructureFaults.IsInfrastructure(exception))
        {
            return base.NotifyFaulted(context, duration, consumerType, exception);
        }

        LazyInitializer.EnsureInitialized(ref _faults).Enqueue(() => base.NotifyFaulted(context, duration, consumerType, exception));
        return Task.CompletedTask;
    }

    /// <summary>Tells MassTransit of the faults held back (the delivery was no duplicate).</summary>
    public async Task NotifyDeferredFaultsAsync()
    {
        while (_faults is not null && _faults.TryDequeue(out var notify))
        {
            await notify().ConfigureAwait(false);
        }
    }
}
