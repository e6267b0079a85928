using MassTransit;

namespace Sagas.Steps;

/// <summary>
/// Base class of a step saga's state: the MassTransit state, each step's progress, the compensation log
/// and the history. Derive from it and add the business fields your steps need.
/// </summary>
/// <remarks>The state is stored as JSON (in memory or in PostgreSQL): keep it to settable properties.</remarks>
public abstract class StepSagaState : SagaStateMachineInstance
{
    /// <summary>The saga id.</summary>
    public Guid CorrelationId { get; set; }

    /// <summary>The stored version, maintained by the saga store for optimistic concurrency; do not set it.</summary>
    public int Version { get; set; }

    /// <summary>The state machine state: Executing, Compensating, Completed, Compensated, Rejected or Faulted.</summary>
    public string CurrentState { get; set; } = "Initial";

    /// <summary>When the saga started.</summary>
    public DateTimeOffset StartedAt { get; set; }

    /// <summary>When the saga reached its current terminal state, if it has.</summary>
    public DateTimeOffset? EndedAt { get; set; }

    /// <summary>
    /// While the saga runs (Executing or Compensating): when its earliest pending timer (a step's deadline or retry) is
    /// due; <see langword="null"/> once it is terminal or parked. Maintained by the step engine at every transition, so a
    /// sweep can find sagas whose timer is overdue (lost with a broker, say) and wake them.
    /// </summary>
    public DateTimeOffset? WakeAt { get; set; }

    /// <summary>Why the saga was rejected, compensated or faulted.</summary>
    public string? Reason { get; set; }

    /// <summary>Each step's progress, in plan order.</summary>
    public List<StepProgress> Steps { get; set; } = [];

    /// <summary>
    /// Compensatable steps that completed (or whose outcome is in doubt after a missed deadline), in the order
    /// they did: compensation undoes them from the last to the first.
    /// </summary>
    public List<string> CompensationLog { get; set; } = [];

    /// <summary>What happened, in order.</summary>
    public List<StepHistoryEntry> History { get; set; } = [];
}

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
}

/// <summary>The status of one step.</summary>
public enum StepStatus
{
    /// <summary>Not started.</summary>
    Pending,

    /// <summary>Command sent, waiting for the reply or the deadline.</summary>
    Running,

    /// <summary>Failed transiently; the next attempt is scheduled.</summary>
    WaitingRetry,

    /// <summary>Done.</summary>
    Completed,

    /// <summary>Failed for good (a business failure, or its budget ran out).</summary>
    Failed,

    /// <summary>Compensation sent, waiting for the reply or the deadline.</summary>
    Compensating,

    /// <summary>Compensation failed; the next attempt is scheduled.</summary>
    CompensationWaitingRetry,

    /// <summary>Undone.</summary>
    Compensated,

    /// <summary>Its compensation spent its retry budget; the saga is Faulted until resumed.</summary>
    CompensationFailed,
}

/// <summary>One line of a saga's history.</summary>
/// <param name="At">When.</param>
/// <param name="Step">The step, or <c>saga</c>.</param>
/// <param name="What">What happened: started, requested, completed, failed (the handler failed), unavailable (its host did not answer: not counted against the retry budget), timed-out, retry-scheduled, compensation-requested, compensated, compensation-failed, compensation-unavailable, ignored-stale-reply, ignored-event (an event the saga no longer accepts: a duplicate), resumed, and the terminal state reached.</param>
/// <param name="Attempt">The attempt concerned.</param>
/// <param name="Detail">Reason or other detail.</param>
public sealed record StepHistoryEntry(DateTimeOffset At, string Step, string What, int Attempt, string? Detail = null);
