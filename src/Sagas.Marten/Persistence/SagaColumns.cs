using Sagas.Steps;

namespace Sagas.Marten.Persistence;

/// <summary>
/// The fields of a saga's state its document table also keeps as columns (Marten duplicated fields), each indexed for a
/// reader that must not open the document: the sweep of overdue timers (<c>wake_at</c>), the catalog's filters and counts
/// (<c>current_state</c>, <c>current_step</c>) and its oldest running saga (<c>started_at</c>). A commit writes them with the
/// document, in the same statement.
/// </summary>
internal readonly record struct SagaColumns(DateTimeOffset? WakeAt, string CurrentState, string? CurrentStep, DateTimeOffset StartedAt)
{
    public static SagaColumns Of(StepSagaState state) => new(state.WakeAt, state.CurrentState, state.CurrentStep, state.StartedAt);
}
