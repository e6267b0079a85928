using System.Collections.Concurrent;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sagas.Persistence;

namespace Sagas.Outbox;

/// <summary>
/// Delivers outbox messages of the in-memory store: immediate ones right after the commit, scheduled ones
/// from a <see cref="TimeProvider"/> timer at their due time (skipped if cancelled meanwhile).
/// </summary>
internal sealed partial class InMemoryOutboxDispatcher(
    IServiceProvider services,
    InMemoryMessageStore store,
    TimeProvider timeProvider,
    ILogger<InMemoryOutboxDispatcher> logger) : IOutboxDispatcher, IDisposable
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);
    private readonly ConcurrentDictionary<Guid, ITimer> _timers = new();

    public async Task DispatchAsync(IReadOnlyList<OutboxMessage> messages, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        List<Guid>? delivered = null;
        foreach (var message in messages)
        {
            if (message.DueTime is { } due && due > now)
            {
                ScheduleTimer(message, due - now);
                continue;
            }

            try
            {
                await SendAsync(message, cancellationToken).ConfigureAwait(false);
                (delivered ??= []).Add(message.Id);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The message is committed: keep it and try again, rather than faulting the message that produced it.
                LogDeliveryFailed(logger, ex, message.Id, message.Destination);
                ScheduleTimer(message, RetryDelay);
            }
        }

        if (delivered is not null)
        {
            await store.MarkDeliveredAsync(delivered, cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        foreach (var timer in _timers.Values)
        {
            timer.Dispose();
        }

        _timers.Clear();
    }

    private void ScheduleTimer(OutboxMessage message, TimeSpan dueIn)
    {
        var timer = timeProvider.CreateTimer(_ => _ = FireAsync(message), null, dueIn, Timeout.InfiniteTimeSpan);
        _timers[message.Id] = timer;
    }

    private async Task FireAsync(OutboxMessage message)
    {
        if (_timers.TryRemove(message.Id, out var timer))
        {
            await timer.DisposeAsync().ConfigureAwait(false);
        }

        if (!store.IsPending(message.Id))
        {
            return; // cancelled (the step replied in time) or already delivered
        }

        try
        {
            await SendAsync(message, CancellationToken.None).ConfigureAwait(false);
            await store.MarkDeliveredAsync([message.Id], CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogDeliveryFailed(logger, ex, message.Id, message.Destination);
            ScheduleTimer(message, RetryDelay);
        }
    }

    private Task SendAsync(OutboxMessage message, CancellationToken cancellationToken)
        => OutboxSender.SendAsync(services.GetRequiredService<IBus>(), message, cancellationToken);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivering outbox message {MessageId} to {Destination} failed; retrying in 1 s")]
    private static partial void LogDeliveryFailed(ILogger logger, Exception exception, Guid messageId, Uri destination);
}
