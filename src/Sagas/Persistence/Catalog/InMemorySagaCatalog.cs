using Sagas.Steps;
using Sagas.Steps.Engine;

namespace Sagas.Persistence.Catalog;

/// <summary>The catalog of an <see cref="InMemorySagaStore{TState}"/>: filters its sagas in memory, in id order.</summary>
/// <typeparam name="TState">The saga state.</typeparam>
internal sealed class InMemorySagaCatalog<TState> : ISagaCatalog<TState>
    where TState : StepSagaState
{
    private readonly InMemorySagaStore<TState> _store;

    public InMemorySagaCatalog(ISagaStore<TState> store)
        => _store = store as InMemorySagaStore<TState>
            ?? throw new InvalidOperationException($"The saga store of {typeof(TState).Name} is {store.GetType().Name}, which registers no saga catalog: its persistence package should register ISagaCatalog<> as it registers ISagaStore<>.");

    public ValueTask<SagaPage> ListAsync(SagaQuery query, CancellationToken cancellationToken)
    {
        SagaCatalogQueries.Validate(query);
        var rows = _store.Snapshot()
            .Where(s => (query.State is null || s.CurrentState == query.State)
                && (query.Step is null || s.CurrentStep == query.Step)
                && (query.StartedBefore is null || s.StartedAt < query.StartedBefore)
                && (query.After is null || SagaIdOrder.Compare(s.CorrelationId, query.After.Value) > 0))
            .OrderBy(s => s.CorrelationId, SagaIdOrder.Instance)
            .Take(query.Limit + 1)
            .Select(Summary)
            .ToList();
        return ValueTask.FromResult(SagaCatalogQueries.Page(rows, query.Limit));
    }

    public ValueTask<SagaCounts> CountAsync(CancellationToken cancellationToken)
    {
        var sagas = _store.Snapshot();
        var counts = sagas.GroupBy(s => s.CurrentState, StringComparer.Ordinal).ToDictionary(g => g.Key, g => (long)g.Count(), StringComparer.Ordinal);
        var oldest = sagas.Where(s => StepSagaStates.IsRunning(s.CurrentState)).MinBy(s => s.StartedAt);
        return ValueTask.FromResult(new SagaCounts(counts, oldest is null ? null : Summary(oldest)));
    }

    private static SagaSummary Summary(TState s) => new(s.CorrelationId, s.CurrentState, s.CurrentStep, s.Reason, s.StartedAt, s.EndedAt);
}
