using System.Text.Json.Serialization;

namespace Sagas.Steps;

/// <summary>One line of a saga's history.</summary>
/// <param name="At">When.</param>
/// <param name="Step">The step, or <c>saga</c> for what concerns the saga as a whole.</param>
/// <param name="Kind">What happened.</param>
/// <param name="Attempt">The attempt concerned (0 for the saga).</param>
/// <param name="Reason">Why, or what detail goes with it (a failure's reason, the delay of a retry, an operator's note).</param>
/// <remarks>
/// Stored as <c>{"at", "step", "kind", "attempt", "reason"}</c>. Documents written before the kind was typed hold
/// <c>what</c> and <c>detail</c> instead, with the same values; they are read as they are.
/// </remarks>
[JsonConverter(typeof(StepHistoryEntryJsonConverter))]
public sealed record StepHistoryEntry(DateTimeOffset At, string Step, StepHistoryKind Kind, int Attempt, string? Reason = null)
{
    /// <summary>The step name of entries that concern the saga as a whole.</summary>
    public const string Saga = "saga";
}
