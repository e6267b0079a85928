using FluentValidation;
using Sagas.Contracts;

namespace Sagas.Steps;

/// <summary>
/// A step's timer fired: its deadline passed (<paramref name="Kind"/> <c>deadline</c>) or its retry backoff
/// elapsed (<c>retry</c>). Sagas schedules it for itself through the outbox; a reply that arrives first
/// withdraws it, and a stale one (older attempt) is ignored.
/// </summary>
/// <param name="SagaId">The saga.</param>
/// <param name="Step">The step.</param>
/// <param name="Attempt">The attempt the timer belongs to.</param>
/// <param name="Compensation">Whether it concerns the step's compensation.</param>
/// <param name="Kind"><c>deadline</c> or <c>retry</c>.</param>
[CloudEventContract("dev.sagas.step.timer", 1)]
public sealed record StepTimerElapsed(Guid SagaId, string Step, int Attempt, bool Compensation, string Kind)
{
    /// <summary>The <see cref="Kind"/> of a deadline.</summary>
    public const string Deadline = "deadline";

    /// <summary>The <see cref="Kind"/> of a retry.</summary>
    public const string Retry = "retry";
}

/// <summary>
/// Asks a Faulted saga to carry on: failed steps get a new retry budget (or the compensation that was
/// parked resumes). Send it once a person has fixed what made the saga fault.
/// </summary>
/// <param name="SagaId">The saga.</param>
/// <param name="Note">Why it is resumed, kept in the history.</param>
[CloudEventContract("dev.sagas.saga.resume", 1)]
public sealed record ResumeSaga(Guid SagaId, string? Note = null);

/// <summary>
/// Asks a saga to stop and undo what it did: its completed compensatable steps are compensated in reverse order, and it
/// ends Compensated. Taken only while the saga is Executing and no pivot or retriable step has started (what follows the
/// pivot cannot be undone); otherwise recorded in the history and changes nothing.
/// </summary>
/// <param name="SagaId">The saga.</param>
/// <param name="Note">Who asked and why, kept in the history and as the saga's reason.</param>
[CloudEventContract("dev.sagas.saga.compensate", 1)]
public sealed record CompensateSaga(Guid SagaId, string? Note = null);

/// <summary>
/// Asks a saga to run a step that waits for its next attempt now, instead of when its backoff ends (the cause was fixed).
/// A step that is not waiting for a retry is left alone, with a line in the history.
/// </summary>
/// <param name="SagaId">The saga.</param>
/// <param name="Step">The step's name.</param>
/// <param name="Note">Who asked and why, kept in the history.</param>
[CloudEventContract("dev.sagas.step.retry-now", 1)]
public sealed record RetryStepNow(Guid SagaId, string Step, string? Note = null);

/// <summary>Validates <see cref="StepTimerElapsed"/>.</summary>
public sealed class StepTimerElapsedValidator : AbstractValidator<StepTimerElapsed>
{
    /// <summary>Creates the validator.</summary>
    public StepTimerElapsedValidator()
    {
        RuleFor(x => x.SagaId).NotEmpty();
        RuleFor(x => x.Step).NotEmpty();
        RuleFor(x => x.Attempt).GreaterThanOrEqualTo(1);
        RuleFor(x => x.Kind).Must(k => k is StepTimerElapsed.Deadline or StepTimerElapsed.Retry).WithMessage("Kind must be 'deadline' or 'retry'.");
    }
}

/// <summary>Validates <see cref="ResumeSaga"/>.</summary>
public sealed class ResumeSagaValidator : AbstractValidator<ResumeSaga>
{
    /// <summary>Creates the validator.</summary>
    public ResumeSagaValidator() => RuleFor(x => x.SagaId).NotEmpty();
}

/// <summary>Validates <see cref="CompensateSaga"/>.</summary>
public sealed class CompensateSagaValidator : AbstractValidator<CompensateSaga>
{
    /// <summary>Creates the validator.</summary>
    public CompensateSagaValidator() => RuleFor(x => x.SagaId).NotEmpty();
}

/// <summary>Validates <see cref="RetryStepNow"/>.</summary>
public sealed class RetryStepNowValidator : AbstractValidator<RetryStepNow>
{
    /// <summary>Creates the validator.</summary>
    public RetryStepNowValidator()
    {
        RuleFor(x => x.SagaId).NotEmpty();
        RuleFor(x => x.Step).NotEmpty();
    }
}
