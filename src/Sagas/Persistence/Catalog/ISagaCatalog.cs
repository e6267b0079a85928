namespace Sagas.Persistence.Catalog;

/// <summary>
/// Reads the sagas of one type for people and tools: filtered pages and counts per state. The store of the saga provides
/// it (in memory, PostgreSQL); it never changes a saga.
/// </summary>
/// <typeparam name="TState">The saga state.</typeparam>
public interface ISagaCatalog<TState>
    where TState : Steps.StepSagaState
{
    /// <summary>One page of the sagas that match <paramref name="query"/>, oldest first.</summary>
    ValueTask<SagaPage> ListAsync(SagaQuery query, CancellationToken cancellationToken);

    /// <summary>Sagas per state and the oldest running one.</summary>
    ValueTask<SagaCounts> CountAsync(CancellationToken cancellationToken);
}
