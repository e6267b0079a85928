using Sagas.Inbox;
using Sagas.Outbox;

namespace Sagas.Persistence;

/// <summary>
/// Inbox and outbox kept in process memory, for tests, demos and the in-memory sample. Commits are atomic
/// within the process; nothing survives a restart.
/// </summary>
public sealed class InMemoryMessageStore : IMessageStore, IOutboxMonitor
{
    private readonly InMemoryInbox _inbox = new();
    private readonly Dictionary<Guid, (InboxKey Key, OutboxMessage Message, DateTimeOffset Committed)> _outbox = [];
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _retention;
    private DateTimeOffset _nextPurge;

    /// <summary>Creates the store.</summary>
    /// <param name="timeProvider">The clock inbox expiry is measured with.</param>
    /// <param name="inboxRetention">How long an inbox record is kept (duplicates older than that are no longer detected).</param>
    public InMemoryMessageStore(TimeProvider timeProvider, TimeSpan inboxRetention)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(inboxRetention, TimeSpan.Zero);
        _timeProvider = timeProvider;
        _retention = inboxRetention;
        _nextPurge = timeProvider.GetUtcNow() + inboxRetention;
    }

    /// <summary>The lock that makes a commit atomic; saga stores sharing this store take it too.</summary>
    internal object SyncRoot { get; } = new();

    /// <summary>Number of inbox records held.</summary>
    public int InboxCount
    {
        get
        {
            lock (SyncRoot)
            {
                return _inbox.Count;
            }
        }
    }

    /// <summary>Messages committed and not yet delivered.</summary>
    public IReadOnlyList<OutboxMessage> Undelivered
    {
        get
        {
            lock (SyncRoot)
            {
                return [.. _outbox.Values.Select(v => v.Message)];
            }
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> IsDuplicateAsync(MessageTransaction transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        lock (SyncRoot)
        {
            return ValueTask.FromResult(_inbox.Contains(transaction.InboxKey));
        }
    }

    /// <inheritdoc />
    public ValueTask<CommitResult> CommitAsync(MessageTransaction transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        lock (SyncRoot)
        {
            if (!TryAddInbox(transaction))
            {
                return ValueTask.FromResult(CommitResult.Duplicate);
            }

            ApplyOutbox(transaction);
        }

        return ValueTask.FromResult(CommitResult.Committed);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<OutboxMessage>> PendingAsync(MessageTransaction transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        lock (SyncRoot)
        {
            IReadOnlyList<OutboxMessage> pending = [.. _outbox.Values.Where(v => v.Key == transaction.InboxKey).Select(v => v.Message)];
            return ValueTask.FromResult(pending);
        }
    }

    /// <inheritdoc />
    public ValueTask MarkDeliveredAsync(IReadOnlyCollection<Guid> messageIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messageIds);
        lock (SyncRoot)
        {
            foreach (var id in messageIds)
            {
                _outbox.Remove(id);
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<TimeSpan> OldestUndeliveredAgeAsync(CancellationToken cancellationToken)
    {
        var now = _timeProvider.GetUtcNow();
        lock (SyncRoot)
        {
            var oldest = now;
            foreach (var (_, message, committed) in _outbox.Values)
            {
                var deliverable = message.DueTime is { } due && due > committed ? due : committed;
                oldest = deliverable < oldest ? deliverable : oldest;
            }

            return ValueTask.FromResult(now - oldest);
        }
    }

    /// <summary>Whether a scheduled message is still waiting (not delivered, not cancelled).</summary>
    public bool IsPending(Guid messageId)
    {
        lock (SyncRoot)
        {
            return _outbox.ContainsKey(messageId);
        }
    }

    /// <summary>A message still waiting (not delivered, not withdrawn), with its body.</summary>
    internal bool TryGetPending(Guid messageId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out OutboxMessage? message)
    {
        lock (SyncRoot)
        {
            var found = _outbox.TryGetValue(messageId, out var entry);
            message = found ? entry.Message : null;
            return found;
        }
    }

    /// <summary>Whether the inbox holds the record. Caller holds <see cref="SyncRoot"/>.</summary>
    internal bool ContainsInbox(MessageTransaction transaction) => _inbox.Contains(transaction.InboxKey);

    /// <summary>Adds the inbox record; false when it exists. Caller holds <see cref="SyncRoot"/>.</summary>
    internal bool TryAddInbox(MessageTransaction transaction)
    {
        var now = _timeProvider.GetUtcNow();
        if (now >= _nextPurge)
        {
            _inbox.RemoveExpired(now);
            _nextPurge = now + (_retention / 4);
        }

        return _inbox.TryAdd(transaction.InboxKey, now + _retention);
    }

    /// <summary>Stores outgoing messages and removes cancelled ones. Caller holds <see cref="SyncRoot"/>.</summary>
    internal void ApplyOutbox(MessageTransaction transaction)
    {
        foreach (var id in transaction.Cancelled)
        {
            _outbox.Remove(id);
        }

        foreach (var message in transaction.Outgoing)
        {
            _outbox[message.Id] = (transaction.InboxKey, message, _timeProvider.GetUtcNow());
        }
    }
}
