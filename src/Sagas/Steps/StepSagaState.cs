using MassTransit;

namespace Sagas.Steps;

/// <summary>
/// Base class of a step saga's state: the MassTransit state, each step's progress, the compensation log
/// and the history. Derive from it and add the business fields your steps need.
/// </summary>
/// <remarks>
/// The state is stored as JSON (in memory or in PostgreSQL): keep it to settable properties. Kept to plain values
/// (numbers, strings, dates, GUIDs, enums), the in-memory store copies it for a transition field by field instead of as
/// JSON; a list or a nested object of your own is fine, and copied as JSON.
/// </remarks>
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

    /// <summary>
    /// The step the saga waits on (running, waiting for its retry, being compensated) or stopped at (failed, compensation
    /// failed); the first in plan order; <see langword="null"/> before the start and once every step completed. Maintained by
    /// the step engine at every transition, so a list can filter on it.
    /// </summary>
    public string? CurrentStep { get; set; }

    /// <summary>
    /// The W3C trace id of the event that started the saga (32 hex digits), when it came with a trace; every step of the
    /// saga runs in that trace. <see langword="null"/> for an untraced start or a saga stored before it was kept.
    /// </summary>
    public string? TraceId { get; set; }

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

    /// <summary>
    /// A copy that shares nothing this state can change: every field, new lists, each step's progress copied (history
    /// entries are immutable and shared). <see cref="Persistence.StateCopy{TState}"/> decides when it equals a JSON copy.
    /// </summary>
    internal StepSagaState CopyFields()
    {
        var copy = (StepSagaState)MemberwiseClone();
        copy.Steps = Steps?.ConvertAll(static step => step?.Copy()!)!;
        copy.CompensationLog = CompensationLog is null ? null! : [.. CompensationLog];
        copy.History = History is null ? null! : [.. History];
        return copy;
    }
}
