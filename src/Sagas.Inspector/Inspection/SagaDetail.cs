using Sagas.Persistence.Catalog;
using Sagas.Steps;

namespace Sagas.Inspector.Inspection;

/// <summary>One saga as its detail page shows it.</summary>
/// <param name="Summary">What the list shows.</param>
/// <param name="Version">The stored revision.</param>
/// <param name="Steps">Each step, in plan order.</param>
/// <param name="CompensationLog">The steps compensation would undo, in the order they completed.</param>
/// <param name="History">What happened, in order.</param>
/// <param name="TraceId">The W3C trace id the saga runs in, if it was traced.</param>
internal sealed record SagaDetail(SagaSummary Summary, int Version, IReadOnlyList<SagaStepDetail> Steps, IReadOnlyList<string> CompensationLog, IReadOnlyList<StepHistoryEntry> History, string? TraceId);

/// <summary>One step of a saga.</summary>
/// <param name="Name">The step.</param>
/// <param name="Kind">Compensatable, Pivot or Retriable.</param>
/// <param name="Status">Its status.</param>
/// <param name="Attempt">Its current attempt.</param>
/// <param name="LastError">The last failure, if any.</param>
/// <param name="DueAt">When its deadline or retry is due, if one is pending.</param>
internal sealed record SagaStepDetail(string Name, string Kind, string Status, int Attempt, string? LastError, DateTimeOffset? DueAt);
