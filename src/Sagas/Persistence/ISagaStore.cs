using System.Linq.Expressions;

namespace Sagas.Persistence;

/// <summary>A saga instance as loaded from a store, with the version its next commit must match.</summary>
/// <typeparam name="TState">The saga state.</typeparam>
/// <param name="State">A private copy of the state; changing it changes nothing stored until a commit.</param>
/// <param name="Version">The stored version (0 for an instance that does not exist yet).</param>
public sealed record LoadedSaga<TState>(TState State, int Version)
    where TState : class;

/// <summary>
/// Stores saga state with optimistic concurrency, committing the incoming message's inbox record and
/// outgoing messages in the same transaction.
/// </summary>
/// <typeparam name="TState">The saga state.</typeparam>
public interface ISagaStore<TState>
    where TState : class
{
    /// <summary>Loads a private copy of the saga, or <see langword="null"/> when it does not exist.</summary>
    ValueTask<LoadedSaga<TState>?> LoadAsync(Guid sagaId, CancellationToken cancellationToken);

    /// <summary>
    /// Loads a private copy of the saga to run an event against it. A store may answer from the revision this process
    /// committed last instead of reading it: a commit against a revision another process has since replaced is a
    /// <see cref="CommitResult.Conflict"/>, and the event runs again on a fresh load. By default, <see cref="LoadAsync"/>.
    /// </summary>
    ValueTask<LoadedSaga<TState>?> LoadForTransitionAsync(Guid sagaId, CancellationToken cancellationToken) => LoadAsync(sagaId, cancellationToken);

    /// <summary>Finds saga ids whose state matches <paramref name="predicate"/> (for correlation by query).</summary>
    ValueTask<IReadOnlyList<Guid>> QueryAsync(Expression<Func<TState, bool>> predicate, CancellationToken cancellationToken);

    /// <summary>
    /// Stores <paramref name="state"/> if the stored version still equals <paramref name="expectedVersion"/>
    /// (0: insert, the instance must not exist), together with <paramref name="transaction"/>'s inbox record
    /// and outgoing messages; all or nothing.
    /// </summary>
    /// <remarks>
    /// <see cref="CommitResult.Duplicate"/>, storing nothing, when the inbox already holds the record: a delivery only a
    /// saga takes is not looked up before it runs, so this check is what keeps a copy of an event from changing the saga.
    /// The caller gives <paramref name="state"/> up: a store may keep the instance itself rather than a copy (the in-memory
    /// store does, for the saga's next transition), so it is only read after the commit, never changed.
    /// </remarks>
    ValueTask<CommitResult> CommitAsync(Guid sagaId, TState state, int expectedVersion, MessageTransaction transaction, CancellationToken cancellationToken);
}

/// <summary>
/// Stores inbox records and outgoing messages for consumers that are not sagas, in one transaction.
/// </summary>
public interface IMessageStore
{
    /// <summary>Whether the inbox already holds <paramref name="transaction"/>'s message (fast path before handling it).</summary>
    ValueTask<bool> IsDuplicateAsync(MessageTransaction transaction, CancellationToken cancellationToken);

    /// <summary>Stores the inbox record and outgoing messages; <see cref="CommitResult.Duplicate"/> when the record exists.</summary>
    ValueTask<CommitResult> CommitAsync(MessageTransaction transaction, CancellationToken cancellationToken);

    /// <summary>Outgoing messages committed with the inbox record of <paramref name="transaction"/> but not yet delivered.</summary>
    ValueTask<IReadOnlyList<Outbox.OutboxMessage>> PendingAsync(MessageTransaction transaction, CancellationToken cancellationToken);

    /// <summary>Marks outgoing messages delivered, so they are not delivered again.</summary>
    ValueTask MarkDeliveredAsync(IReadOnlyCollection<Guid> messageIds, CancellationToken cancellationToken);
}
