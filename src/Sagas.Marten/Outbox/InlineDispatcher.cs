using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sagas.Diagnostics;
using Sagas.Faults;
using Sagas.Outbox;

namespace Sagas.Marten.Outbox;

/// <summary>
/// The fast path: messages just committed in this process are sent at once, then their rows are deleted in batches by
/// the <see cref="DeliveredReaper"/>. A message whose send fails stays in the outbox; the relay (in this or any process)
/// takes over messages older than <see cref="MartenSagasOptions.RelayTakeoverDelay"/>, and scheduled messages at their
/// due time. A saga's messages never overtake an earlier one of the same saga still in the outbox: they wait for it, or
/// are left to the relay with it (<see cref="SagaOrder"/>).
/// </summary>
internal sealed partial class InlineDispatcher(
    IServiceProvider services,
    RelaySignal signal,
    DeliveredReaper reaper,
    SagaOrder order,
    MartenSagasOptions options,
    TimeProvider time,
    ILogger<InlineDispatcher> logger,
    IOutboxCheckpoint? checkpoint = null) : IOutboxDispatcher
{
    private static readonly TimeSpan PauseAfterFailure = TimeSpan.FromSeconds(1);
    private long _pausedUntil;

    public async Task DispatchAsync(IReadOnlyList<OutboxMessage> messages, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var bus = services.GetRequiredService<IBus>();
        HashSet<Guid>? leftToRelay = null; // sagas with a message left in the outbox here: their later ones go after it, through the relay
        foreach (var message in messages)
        {
            if (message.DueTime > now)
            {
                signal.WakeForTimer(message.DueTime.Value, now); // the relay delivers it when due
                continue;
            }

            if (checkpoint is not null)
            {
                await checkpoint.CommittedAsync(message).ConfigureAwait(false);
            }

            if (now.UtcTicks < Interlocked.Read(ref _pausedUntil))
            {
                signal.Wake(); // a send just failed: the broker is likely down, so leave this one to the relay at once
                continue;
            }

            if ((message.SagaId is { } saga && leftToRelay?.Contains(saga) == true) || !await order.MaySendAsync(message, cancellationToken).ConfigureAwait(false))
            {
                leftToRelay = Remember(leftToRelay, message); // an earlier message of its saga is in the outbox: the relay sends both, in order
                continue;
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.InlineSendTimeout);
            order.Sending(message);
            var sent = false;
            try
            {
                await OutboxSender.SendAsync(bus, message, timeout.Token).ConfigureAwait(false);
                sent = true;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogSendFailed(logger, ex, message.Id);
                if (!InfrastructureFaults.IsReturnedMessage(ex))
                {
                    // The broker is likely down. One message it returned (no queue bound for it yet) is no reason to
                    // hold back the others, which would then wait for the relay's takeover.
                    Interlocked.Exchange(ref _pausedUntil, (time.GetUtcNow() + PauseAfterFailure).UtcTicks);
                }

                leftToRelay = Remember(leftToRelay, message); // its saga's later messages must not overtake it
                signal.Wake();
                signal.NotifyAll();
                continue;
            }
            finally
            {
                order.SendEnded(message, sent);
            }

            SagasDiagnostics.OutboxLag.Record((time.GetUtcNow() - now).TotalMilliseconds); // from the commit's return to this send
            if (checkpoint is not null)
            {
                await checkpoint.DeliveredAsync([message.Id]).ConfigureAwait(false);
            }

            reaper.Delivered(message.Id, options.KeepsUntilConfirmed(message));
        }
    }

    /// <summary>Adds the message's saga, if it has one, to the sagas whose later messages are left to the relay.</summary>
    private static HashSet<Guid>? Remember(HashSet<Guid>? sagas, OutboxMessage message)
    {
        if (message.SagaId is { } saga)
        {
            (sagas ??= []).Add(saga);
        }

        return sagas;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sending outbox message {MessageId} right after its commit failed; the relay will deliver it")]
    private static partial void LogSendFailed(ILogger logger, Exception exception, Guid messageId);
}
