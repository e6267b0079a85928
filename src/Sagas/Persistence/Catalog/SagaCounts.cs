namespace Sagas.Persistence.Catalog;

/// <summary>How many sagas of one type are in each state, and the oldest one still running.</summary>
/// <param name="ByState">Sagas per state; a state with none is absent.</param>
/// <param name="OldestRunning">The oldest saga that is Executing or Compensating, if any.</param>
public sealed record SagaCounts(IReadOnlyDictionary<string, long> ByState, SagaSummary? OldestRunning);
