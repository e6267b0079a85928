using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sagas.Persistence;

namespace Sagas.Outbox;

/// <summary>
/// Delivers outbox messages of the in-memory store: immediate ones right after the commit, scheduled ones at their due
/// time (skipped if withdrawn meanwhile).
/// </summary>
/// <remarks>
/// Scheduled messages wait as ids in one queue ordered by due time, behind one <see cref="TimeProvider"/> timer set to the
/// earliest: most of them are step deadlines that a reply withdraws long before they are due, so each costs a queue entry
/// until then, not a timer of its own, and its body is read from the store only if it is still pending when due.
/// A saga's messages leave in commit order (the saga's repository dispatches while it holds the saga): when one of them
/// fails to send, it is tried again after a second, and the messages the saga commits after it (in that commit and in later
/// ones) wait behind it until it is sent; other sagas' messages go on. Scheduled messages and a step's replies do not take
/// part, as on PostgreSQL.
/// </remarks>
internal sealed partial class InMemoryOutboxDispatcher : IOutboxDispatcher, IDisposable
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ClockMoved = TimeSpan.FromMilliseconds(1);
    private readonly IServiceProvider _services;
    private readonly InMemoryMessageStore _store;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<InMemoryOutboxDispatcher> _logger;
    private readonly PriorityQueue<Guid, DateTimeOffset> _scheduled = new();
    private readonly Lock _gate = new();
    private readonly ITimer _timer;
    private readonly Dictionary<Guid, Held> _held = []; // by saga, under the gate
    private DateTimeOffset? _armedFor;
    private IBus? _bus;

    public InMemoryOutboxDispatcher(IServiceProvider services, InMemoryMessageStore store, TimeProvider timeProvider, ILogger<InMemoryOutboxDispatcher> logger)
    {
        _services = services;
        _store = store;
        _timeProvider = timeProvider;
        _logger = logger;
        _timer = timeProvider.CreateTimer(static self => _ = ((InMemoryOutboxDispatcher)self!).FireAsync(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public async Task DispatchAsync(IReadOnlyList<OutboxMessage> messages, CancellationToken cancellationToken)
    {
        var now = _timeProvider.GetUtcNow();
        List<Guid>? delivered = null;
        foreach (var message in messages)
        {
            if (message.DueTime is { } due && due > now)
            {
                Schedule(message.Id, due);
                continue;
            }

            if (OrderedSaga(message) is { } saga && WaitsBehind(saga, message.Id))
            {
                continue;
            }

            try
            {
                await SendAsync(message, cancellationToken).ConfigureAwait(false);
                (delivered ??= []).Add(message.Id);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // The message is committed: keep it and try again, rather than faulting the message that produced it. The
                // same when the handler's token stopped the wait (its broker connection dropped, say): a saga's message left
                // to a redelivery of the handled one would be overtaken by what the saga commits meanwhile.
                LogDeliveryFailed(_logger, ex, message.Id, message.Destination);
                RetryLater(message, now);
            }
        }

        if (delivered is not null)
        {
            await _store.MarkDeliveredAsync(delivered, cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose() => _timer.Dispose();

    /// <summary>The saga whose order <paramref name="message"/> keeps: a saga's own message to be sent at once; null for any other.</summary>
    private static Guid? OrderedSaga(OutboxMessage message) => message is { SagaCommit: true, DueTime: null } ? message.SagaId : null;

    /// <summary>Queues <paramref name="messageId"/> behind its saga's failed message, if one is waiting to be tried again.</summary>
    private bool WaitsBehind(Guid saga, Guid messageId)
    {
        lock (_gate)
        {
            if (!_held.TryGetValue(saga, out var held))
            {
                return false;
            }

            held.Behind.Enqueue(messageId);
            return true;
        }
    }

    /// <summary>Tries a message whose send failed again after <see cref="RetryDelay"/>; a saga's message holds its saga's later ones meanwhile.</summary>
    private void RetryLater(OutboxMessage message, DateTimeOffset now)
    {
        if (OrderedSaga(message) is { } saga)
        {
            lock (_gate)
            {
                if (_held.TryGetValue(saga, out var held))
                {
                    held.Head = message.Id;
                }
                else
                {
                    _held.Add(saga, new Held(message.Id));
                }
            }
        }

        Schedule(message.Id, now + RetryDelay);
    }

    /// <summary>
    /// After the failed message <paramref name="sent"/> of a saga went out, sends what waited behind it, in order, until
    /// none is left (the saga is no longer held) or one fails (it waits in its turn).
    /// </summary>
    private async Task ReleaseAsync(OutboxMessage sent, DateTimeOffset now)
    {
        if (OrderedSaga(sent) is not { } saga)
        {
            return;
        }

        while (true)
        {
            Guid next;
            lock (_gate)
            {
                if (!_held.TryGetValue(saga, out var held) || held.Head != sent.Id)
                {
                    return;
                }

                if (!held.Behind.TryDequeue(out next))
                {
                    _held.Remove(saga);
                    return;
                }
            }

            if (_store.TryGetPending(next, out var message) && !await SendPendingAsync(message, now).ConfigureAwait(false))
            {
                return; // the saga's head now
            }
        }
    }

    /// <summary>Sends a message still pending in the store and marks it delivered; if that fails, tries it again later (false).</summary>
    private async Task<bool> SendPendingAsync(OutboxMessage message, DateTimeOffset now)
    {
        try
        {
            await SendAsync(message, CancellationToken.None).ConfigureAwait(false);
            await _store.MarkDeliveredAsync([message.Id], CancellationToken.None).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogDeliveryFailed(_logger, ex, message.Id, message.Destination);
            RetryLater(message, now);
            return false;
        }
    }

    private void Schedule(Guid messageId, DateTimeOffset due)
    {
        lock (_gate)
        {
            _scheduled.Enqueue(messageId, due);
            if (_armedFor is null || due < _armedFor)
            {
                Arm(due);
            }
        }
    }

    /// <summary>Sets the timer for <paramref name="due"/>. Caller holds the gate.</summary>
    /// <remarks>
    /// A timer is set as a time from now, so a clock that moves between being read and the timer being set would make
    /// it go off that much late: a thread preempted there, or a test's fake clock advanced there to the due time, after
    /// which it would never go off. So the clock is read again after setting it, and the timer set again if it moved.
    /// </remarks>
    private void Arm(DateTimeOffset due)
    {
        _armedFor = due;
        var now = _timeProvider.GetUtcNow();
        while (true)
        {
            var dueIn = due - now;
            _timer.Change(dueIn > TimeSpan.Zero ? dueIn : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
            var after = _timeProvider.GetUtcNow();
            if (after - now < ClockMoved)
            {
                return;
            }

            now = after;
        }
    }

    private async Task FireAsync()
    {
        List<Guid> due = [];
        DateTimeOffset now;
        lock (_gate)
        {
            now = _timeProvider.GetUtcNow();
            while (_scheduled.TryPeek(out var id, out var at) && at <= now)
            {
                _scheduled.Dequeue();
                due.Add(id);
            }

            _armedFor = null;
            if (_scheduled.TryPeek(out _, out var next))
            {
                Arm(next);
            }
        }

        foreach (var id in due)
        {
            // Not pending: withdrawn (the step replied in time) or already delivered.
            if (_store.TryGetPending(id, out var message) && await SendPendingAsync(message, now).ConfigureAwait(false))
            {
                await ReleaseAsync(message, now).ConfigureAwait(false);
            }
        }
    }

    private Task SendAsync(OutboxMessage message, CancellationToken cancellationToken)
        => OutboxSender.SendAsync(_bus ??= _services.GetRequiredService<IBus>(), message, cancellationToken); // the bus resolves this dispatcher: taken at first use

    /// <summary>A saga's message waiting to be tried again, and the saga's messages committed after it, oldest first.</summary>
    private sealed class Held(Guid head)
    {
        public Guid Head { get; set; } = head;

        public Queue<Guid> Behind { get; } = new();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivering outbox message {MessageId} to {Destination} failed; retrying in 1 s")]
    private static partial void LogDeliveryFailed(ILogger logger, Exception exception, Guid messageId, Uri destination);
}
