namespace Sagas.Persistence;

/// <summary>
/// Told, in the committing process, after each saga state commit. Use it for in-process reactions such as
/// progress displays and test probes; it is not a delivery guarantee (use messages for that).
/// </summary>
/// <typeparam name="TState">The saga state.</typeparam>
public interface ISagaCommitObserver<in TState>
    where TState : class
{
    /// <summary>Called after <paramref name="state"/> was committed for saga <paramref name="sagaId"/>. Must not throw or block.</summary>
    /// <remarks>
    /// <paramref name="state"/> is the instance the transition changed, not a copy: the saga's next event in this process
    /// may run on that same instance (the in-memory store and the PostgreSQL store's revision cache hand it on instead of
    /// reading the state back), as MassTransit's own observers see the live saga. Read what you need during the call, and
    /// copy what you keep.
    /// </remarks>
    void OnCommitted(Guid sagaId, TState state);
}
