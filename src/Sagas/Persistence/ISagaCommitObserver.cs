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
    void OnCommitted(Guid sagaId, TState state);
}
