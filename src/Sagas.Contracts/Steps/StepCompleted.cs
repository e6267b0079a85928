using System.Text.Json;
using FluentValidation;
using Sagas.Contracts;

namespace Sagas.Steps;

/// <summary>
/// Reply of a step executor: the step (or its compensation) completed. Any runtime can send it; a Node or
/// Python step replies with a CloudEvent of type <c>dev.sagas.step.completed.v1</c>.
/// </summary>
/// <param name="SagaId">The saga, from the command's <c>subject</c>.</param>
/// <param name="Step">The step, from the command's <c>sagastep</c> attribute.</param>
/// <param name="Attempt">The attempt, from the command's <c>sagaattempt</c> attribute.</param>
/// <param name="Compensation">Whether the command was a compensation.</param>
/// <param name="Result">The handler's result as JSON, if any.</param>
[CloudEventContract("dev.sagas.step.completed", 1)]
public sealed record StepCompleted(Guid SagaId, string Step, int Attempt, bool Compensation, JsonElement? Result = null);

/// <summary>
/// Reply of a step executor: the step (or its compensation) failed. <paramref name="Permanent"/> is true for a
/// business failure the handler reported, false for a transient fault that a retry may fix.
/// <paramref name="Unavailable"/> tells the two kinds of transient fault apart: the handler's own (it threw; the
/// attempt counts against the step's retry budget) and the infrastructure's (the step's host could not be reached,
/// did not answer in time, answered 5xx, or its circuit is open; the saga retries within the step's outage time
/// budget without spending an attempt).
/// </summary>
/// <param name="SagaId">The saga.</param>
/// <param name="Step">The step.</param>
/// <param name="Attempt">The attempt.</param>
/// <param name="Compensation">Whether the command was a compensation.</param>
/// <param name="Reason">Why it failed.</param>
/// <param name="Permanent">True for a business failure, false for a transient fault.</param>
/// <param name="Unavailable">True when the step's host, not its handler, failed: the attempt did not reach an answer.</param>
/// <param name="RetryAfterMs">When known, how long the host will refuse calls (an open circuit's remaining break), in milliseconds: the next attempt waits at least that long.</param>
/// <param name="OutageBudgetMs">When the executor sets it (the outage budget of the route it called), how long in all the saga keeps retrying while the host stays unavailable, in milliseconds; otherwise the step's own budget applies.</param>
[CloudEventContract("dev.sagas.step.failed", 1)]
public sealed record StepFailed(Guid SagaId, string Step, int Attempt, bool Compensation, string Reason, bool Permanent, bool Unavailable = false, long? RetryAfterMs = null, long? OutageBudgetMs = null);

/// <summary>Validates <see cref="StepCompleted"/>.</summary>
public sealed class StepCompletedValidator : AbstractValidator<StepCompleted>
{
    /// <summary>Creates the validator.</summary>
    public StepCompletedValidator()
    {
        RuleFor(x => x.SagaId).NotEmpty();
        RuleFor(x => x.Step).NotEmpty().MaximumLength(100);
        RuleFor(x => x.Attempt).GreaterThanOrEqualTo(1);
    }
}

/// <summary>Validates <see cref="StepFailed"/>.</summary>
public sealed class StepFailedValidator : AbstractValidator<StepFailed>
{
    /// <summary>Creates the validator.</summary>
    public StepFailedValidator()
    {
        RuleFor(x => x.SagaId).NotEmpty();
        RuleFor(x => x.Step).NotEmpty().MaximumLength(100);
        RuleFor(x => x.Attempt).GreaterThanOrEqualTo(1);
        RuleFor(x => x.Reason).NotEmpty();
        RuleFor(x => x.Permanent).Equal(false).When(x => x.Unavailable).WithMessage("A failure cannot be both permanent and unavailable.");
        RuleFor(x => x.RetryAfterMs).GreaterThanOrEqualTo(0);
        RuleFor(x => x.OutageBudgetMs).GreaterThanOrEqualTo(0);
    }
}

/// <summary>Registers the step reply contracts.</summary>
public static class StepContracts
{
    /// <summary>Adds <see cref="StepCompleted"/> and <see cref="StepFailed"/> with their validators.</summary>
    public static ContractRegistry AddStepContracts(this ContractRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return registry
            .Add(new StepCompletedValidator())
            .Add(new StepFailedValidator());
    }
}
