namespace Sagas.Steps.Engine;

/// <summary>Why one attempt of a step (or of its compensation) did not complete, as the step engine weighs it.</summary>
/// <param name="Compensation">Whether the attempt was a compensation.</param>
/// <param name="Reason">What went wrong, for the history and the saga's reason.</param>
/// <param name="Permanent">The handler reported a business failure: retrying cannot help.</param>
/// <param name="InDoubt">No answer came: the step may have happened (a missed deadline, an unanswered call).</param>
/// <param name="IsUnavailable">The step's host failed, not its handler: retried within the outage budget, not counted as an attempt.</param>
/// <param name="RetryAfter">The earliest the host takes a next attempt (an open circuit's remaining break), when known.</param>
/// <param name="OutageBudget">The outage budget the executor's route sets, overriding the step's; <see langword="null"/> for the step's.</param>
internal readonly record struct AttemptFailure(bool Compensation, string Reason, bool Permanent, bool InDoubt, bool IsUnavailable, TimeSpan? RetryAfter, TimeSpan? OutageBudget = null)
{
    /// <summary>The handler answered: a business failure (<paramref name="permanent"/>) or a transient one.</summary>
    public static AttemptFailure Answered(bool compensation, string reason, bool permanent)
        => new(compensation, reason, permanent, InDoubt: false, IsUnavailable: false, RetryAfter: null);

    /// <summary>The attempt's deadline passed without a reply.</summary>
    public static AttemptFailure TimedOut(bool compensation, string reason)
        => new(compensation, reason, Permanent: false, InDoubt: true, IsUnavailable: false, RetryAfter: null);

    /// <summary>The step's host could not be reached, timed out, answered 5xx or has an open circuit.</summary>
    public static AttemptFailure Unavailable(bool compensation, string reason, TimeSpan? retryAfter, TimeSpan? outageBudget)
        => new(compensation, reason, Permanent: false, InDoubt: true, IsUnavailable: true, RetryAfter: retryAfter, OutageBudget: outageBudget);
}
