namespace Sagas.DeadLetters;

/// <summary>What an operator did with a dead letter.</summary>
/// <param name="Action">Redelivered or discarded.</param>
/// <param name="At">When.</param>
/// <param name="Note">Who and why (<c>who: why</c>).</param>
public sealed record DeadLetterResolution(DeadLetterAction Action, DateTimeOffset At, string Note);
