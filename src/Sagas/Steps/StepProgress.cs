namespace Sagas.Steps;

/// <summary>Where one step stands.</summary>
public sealed class StepProgress
{
    /// <summary>The step name.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>The step's status.</summary>
    public StepStatus Status { get; set; }

    /// <summary>The current attempt (of the step, or of its compensation while compensating).</summary>
    public int Attempt { get; set; }

    /// <summary>The first attempt of the current retry budget (a resume starts a new budget).</summary>
    public int BudgetStart { get; set; } = 1;

    /// <summary>The pending deadline or retry timer, withdrawn when the step replies first.</summary>
    public Guid? TimerId { get; set; }

    /// <summary>When the pending timer (<see cref="TimerId"/>) is due.</summary>
    public DateTimeOffset? DueAt { get; set; }

    /// <summary>
    /// Since when the step's host has been unavailable (connection refused, timeouts, 5xx, an open circuit), through
    /// consecutive attempts; <see langword="null"/> once an attempt got an answer. Bounded by <see cref="StepOptions.OutageBudget"/>.
    /// </summary>
    public DateTimeOffset? OutageSince { get; set; }

    /// <summary>Attempts of the current budget that failed because the host was unavailable: they do not count against the retry budget.</summary>
    public int OutageAttempts { get; set; }

    /// <summary>The last failure.</summary>
    public string? LastError { get; set; }

    /// <summary>Whether an attempt missed its deadline, so the step may have happened without a reply.</summary>
    public bool InDoubt { get; set; }

    /// <summary>A copy of every field (all of them values), for <see cref="StepSagaState.CopyFields"/>.</summary>
    internal StepProgress Copy() => (StepProgress)MemberwiseClone();
}
