using Sagas.Inbox;
using Sagas.Outbox;

namespace Sagas.Persistence;

/// <summary>
/// Everything that handling one incoming message changes, committed at once: the inbox record, the
/// saga state (when a saga handled it), the outgoing messages and the cancelled schedules.
/// </summary>
/// <remarks>
/// One instance exists per received message. Handlers add to it through the consume context
/// (<c>Publish</c>/<c>Send</c> are captured; a send with a delay becomes a message with a due time) and through
/// <see cref="CancelScheduled"/>. A store commits it and returns a <see cref="CommitResult"/>; the transaction's own
/// bookkeeping (committed, duplicate, dispatched) is kept by Sagas from that result.
/// When a saga update loses an optimistic-concurrency race the saga is run again against fresh state and
/// <see cref="Reset"/> drops what the losing run produced.
/// </remarks>
public sealed class MessageTransaction
{
    private readonly List<OutboxMessage> _outgoing = [];
    private readonly List<Guid> _cancelled = [];

    /// <summary>Creates the transaction for one incoming message.</summary>
    /// <param name="inboxKey">The message's inbox record.</param>
    /// <param name="isRedelivery">Whether the transport says it delivered the message before.</param>
    public MessageTransaction(InboxKey inboxKey, bool isRedelivery = false)
    {
        InboxKey = inboxKey;
        IsRedelivery = isRedelivery;
    }

    /// <summary>
    /// Whether the transport delivered this message before. Informational: every delivery is checked against the inbox
    /// (looked up, or refused by a saga's commit), since a copy the outbox sent again is a first delivery to the transport.
    /// </summary>
    public bool IsRedelivery { get; }

    /// <summary>The incoming message's inbox record.</summary>
    public InboxKey InboxKey { get; }

    /// <summary>Messages to send once committed.</summary>
    public IReadOnlyList<OutboxMessage> Outgoing => _outgoing;

    /// <summary>Scheduled messages to withdraw (by <see cref="OutboxMessage.Id"/>) in the same commit.</summary>
    public IReadOnlyList<Guid> Cancelled => _cancelled;

    /// <summary>Whether a store committed the transaction (a saga's, or the inbox/outbox filter's message store).</summary>
    public bool IsCommitted { get; private set; }

    /// <summary>Adds an outgoing message.</summary>
    public void Add(OutboxMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        ThrowIfCommitted();
        _outgoing.Add(message);
    }

    /// <summary>Withdraws a message scheduled by an earlier transaction; a no-op when it was already delivered.</summary>
    public void CancelScheduled(Guid messageId)
    {
        ThrowIfCommitted();
        _cancelled.Add(messageId);
    }

    /// <summary>Drops everything added so far (the saga is about to run again against fresh state).</summary>
    internal void Reset()
    {
        ThrowIfCommitted();
        _outgoing.Clear();
        _cancelled.Clear();
    }

    /// <summary>Whether the commit found the inbox record already there: the message was a duplicate and nothing was stored.</summary>
    public bool IsDuplicate { get; private set; }

    /// <summary>Whether a Sagas saga (its store's repository) took the message.</summary>
    internal bool TakenBySaga { get; set; }

    /// <summary>
    /// The saga instance the repository handed to the state machine for this message, once it did: a message the
    /// transaction captures after that, correlated to that saga, is the saga's own (<see cref="Outbox.OutboxMessage.SagaCommit"/>).
    /// </summary>
    internal Guid? SagaId { get; set; }

    /// <summary>Whether the outgoing messages were handed to the dispatcher.</summary>
    internal bool IsDispatched { get; private set; }

    /// <summary>Records what the store's commit returned: committed, or a duplicate whose effects were already stored.</summary>
    internal void Record(CommitResult result)
    {
        IsCommitted |= result == CommitResult.Committed;
        IsDuplicate |= result == CommitResult.Duplicate;
    }

    /// <summary>
    /// Hands the outgoing messages to <paramref name="dispatcher"/> once the transaction is committed, and only once: the one
    /// rule of commit, then dispatch. A saga's repository calls it while it still holds the saga, so that saga's messages
    /// leave in commit order; the inbox/outbox filter calls it for every other consumer.
    /// </summary>
    internal async Task DispatchOnceAsync(IOutboxDispatcher dispatcher, CancellationToken cancellationToken)
    {
        if (!IsCommitted || IsDispatched || _outgoing.Count == 0)
        {
            return;
        }

        await dispatcher.DispatchAsync(_outgoing, cancellationToken).ConfigureAwait(false);
        IsDispatched = true;
    }

    private void ThrowIfCommitted()
    {
        if (IsCommitted)
        {
            throw new InvalidOperationException($"The transaction of {InboxKey} is already committed; messages produced after the commit would be lost.");
        }
    }
}
