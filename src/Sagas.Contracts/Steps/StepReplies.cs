using System.Text.Json;

namespace Sagas.Steps;

/// <summary>
/// The one place that turns what happened to a step command into its reply, for every executor (the in-process step
/// consumer, the function runner behind HTTP, Lambda and Azure, and the gateway): a result is a
/// <see cref="StepCompleted"/>; a failure the handler reported is permanent (a business answer); an exception is
/// transient, worded as <c>Type: message</c>; a host that could not be reached is transient and
/// <see cref="StepFailed.Unavailable"/>.
/// </summary>
public static class StepReplies
{
    /// <summary>What a handler returned: its result, or the business failure it reported.</summary>
    public static object Outcome(StepContext step, JsonElement? result, string? failureReason)
        => failureReason is null ? Completed(step, result) : Refused(step, failureReason);

    /// <summary>The step (or its compensation) completed.</summary>
    public static StepCompleted Completed(StepContext step, JsonElement? result = null)
    {
        ArgumentNullException.ThrowIfNull(step);
        return new StepCompleted(step.SagaId, step.Step, step.Attempt, step.IsCompensation, result);
    }

    /// <summary>A failure no retry changes: the handler's business answer, or a command this executor can never run.</summary>
    public static StepFailed Refused(StepContext step, string reason)
    {
        ArgumentNullException.ThrowIfNull(step);
        return new StepFailed(step.SagaId, step.Step, step.Attempt, step.IsCompensation, reason, Permanent: true);
    }

    /// <summary>The handler threw: transient, an attempt of the step's retry budget.</summary>
    public static StepFailed Threw(StepContext step, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(step);
        return new StepFailed(step.SagaId, step.Step, step.Attempt, step.IsCompensation, Describe(exception), Permanent: false);
    }

    /// <summary>
    /// The step's host could not be reached, did not answer in time, answered 5xx or its circuit is open: transient, and
    /// no attempt of the retry budget (<see cref="StepFailed.Unavailable"/>).
    /// </summary>
    public static StepFailed Unavailable(StepContext step, Exception exception, TimeSpan? retryAfter, TimeSpan? outageBudget)
    {
        ArgumentNullException.ThrowIfNull(step);
        return new StepFailed(step.SagaId, step.Step, step.Attempt, step.IsCompensation, Describe(exception), Permanent: false, Unavailable: true, Milliseconds(retryAfter), Milliseconds(outageBudget));
    }

    private static string Describe(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return $"{exception.GetType().Name}: {exception.Message}";
    }

    private static long? Milliseconds(TimeSpan? value) => value is { } span ? (long)Math.Ceiling(span.TotalMilliseconds) : null;
}
