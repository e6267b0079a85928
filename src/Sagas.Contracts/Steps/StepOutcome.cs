namespace Sagas.Steps;

/// <summary>The result of a step handler: a result, or a business failure with its reason.</summary>
/// <typeparam name="TResult">The step's result type.</typeparam>
public readonly struct StepOutcome<TResult>
{
    internal StepOutcome(TResult? result, string? failureReason)
    {
        Result = result;
        FailureReason = failureReason;
    }

    /// <summary>Whether the step succeeded.</summary>
    public bool Succeeded => FailureReason is null;

    /// <summary>The result, when the step succeeded.</summary>
    public TResult? Result { get; }

    /// <summary>Why the step failed, when it did.</summary>
    public string? FailureReason { get; }

    /// <summary>A successful outcome.</summary>
    public static implicit operator StepOutcome<TResult>(TResult result) => new(result, null);

    /// <summary>A business failure; one without a reason (<c>new StepFailure()</c>) still fails, with a generic reason.</summary>
    public static implicit operator StepOutcome<TResult>(StepFailure failure) => new(default, failure.Reason ?? "The step failed without giving a reason.");
}

/// <summary>A business failure, convertible to any <see cref="StepOutcome{TResult}"/>.</summary>
/// <param name="Reason">Why the step failed; shown in the saga's history.</param>
public readonly record struct StepFailure(string Reason);

/// <summary>Helpers to build outcomes.</summary>
public static class StepOutcome
{
    /// <summary>A successful outcome.</summary>
    public static StepOutcome<TResult> Success<TResult>(TResult result) => new(result, null);

    /// <summary>A business failure that retrying cannot fix (declined card, out of stock).</summary>
    public static StepFailure Fail(string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return new(reason);
    }
}

/// <summary>The result of a step that returns nothing.</summary>
public readonly record struct Done
{
    /// <summary>The only value.</summary>
    public static Done Value => default;
}
