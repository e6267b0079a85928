namespace Sagas.Persistence.Catalog;

/// <summary>One saga as a list shows it.</summary>
/// <param name="Id">The saga id.</param>
/// <param name="State">Its state.</param>
/// <param name="CurrentStep">The step it waits on or stopped at, if any.</param>
/// <param name="Reason">Why it was rejected, compensated or faulted.</param>
/// <param name="StartedAt">When it started.</param>
/// <param name="EndedAt">When it reached its terminal state, if it has.</param>
public sealed record SagaSummary(Guid Id, string State, string? CurrentStep, string? Reason, DateTimeOffset StartedAt, DateTimeOffset? EndedAt);
