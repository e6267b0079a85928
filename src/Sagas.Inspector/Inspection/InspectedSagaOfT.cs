using Microsoft.Extensions.DependencyInjection;
using Sagas.Persistence;
using Sagas.Persistence.Catalog;
using Sagas.Steps;

namespace Sagas.Inspector.Inspection;

/// <summary>The sagas of <typeparamref name="TState"/>: listed by its catalog, loaded by its store, drawn from its plan.</summary>
internal sealed class InspectedSaga<TState>(StepSagaStateMachine<TState> machine) : InspectedSaga
    where TState : StepSagaState, new()
{
    private readonly Dictionary<string, StepKind> _kinds = machine.Plan.ToDictionary(s => s.Name, s => s.Kind, StringComparer.Ordinal);

    public override Type StateType => typeof(TState);

    public override string Diagram { get; } = StepSagaDiagram.ToMermaid(machine);

    public override ValueTask<SagaPage> ListAsync(IServiceProvider services, SagaQuery query, CancellationToken cancellationToken)
        => services.GetRequiredService<ISagaCatalog<TState>>().ListAsync(query, cancellationToken);

    public override ValueTask<SagaCounts> CountAsync(IServiceProvider services, CancellationToken cancellationToken)
        => services.GetRequiredService<ISagaCatalog<TState>>().CountAsync(cancellationToken);

    public override async ValueTask<SagaDetail?> LoadAsync(IServiceProvider services, Guid id, CancellationToken cancellationToken)
    {
        var loaded = await services.GetRequiredService<ISagaStore<TState>>().LoadAsync(id, cancellationToken).ConfigureAwait(false);
        if (loaded is null)
        {
            return null;
        }

        var s = loaded.State;
        return new SagaDetail(
            new SagaSummary(s.CorrelationId, s.CurrentState, s.CurrentStep, s.Reason, s.StartedAt, s.EndedAt),
            loaded.Version,
            [.. s.Steps.Select(p => new SagaStepDetail(p.Name, _kinds.TryGetValue(p.Name, out var kind) ? kind.ToString() : "Unknown", p.Status.ToString(), p.Attempt, p.LastError, p.DueAt))],
            s.CompensationLog,
            s.History,
            s.TraceId);
    }
}
