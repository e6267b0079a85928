using System.Text.Json.Serialization;

namespace Sagas.Steps;

/// <summary>What a line of a saga's history records. On the wire and in stored documents it is written in kebab case (<c>retry-scheduled</c>).</summary>
[JsonConverter(typeof(StepHistoryKindJsonConverter))]
public enum StepHistoryKind
{
    /// <summary>The saga started (step <c>saga</c>).</summary>
    Started,

    /// <summary>An attempt of the step was requested.</summary>
    Requested,

    /// <summary>The step completed; with step <c>saga</c>: every step completed (terminal).</summary>
    Completed,

    /// <summary>The step's handler failed (a business failure, or a transient one that counts against its retries).</summary>
    Failed,

    /// <summary>The step's host did not answer (refused, timed out, 5xx, open circuit): not counted against its retries.</summary>
    Unavailable,

    /// <summary>No reply within the attempt's deadline.</summary>
    TimedOut,

    /// <summary>The next attempt (of the step or of its compensation) is scheduled.</summary>
    RetryScheduled,

    /// <summary>An attempt of the step's compensation was requested.</summary>
    CompensationRequested,

    /// <summary>The step was undone; with step <c>saga</c>: every completed step was undone (terminal).</summary>
    Compensated,

    /// <summary>The compensation's handler failed.</summary>
    CompensationFailed,

    /// <summary>The compensation's host did not answer.</summary>
    CompensationUnavailable,

    /// <summary>No reply to the compensation within its deadline.</summary>
    CompensationTimedOut,

    /// <summary>Terminal (step <c>saga</c>): a step failed for good with nothing to undo.</summary>
    Rejected,

    /// <summary>Parked for a person (step <c>saga</c>).</summary>
    Faulted,

    /// <summary>A Faulted saga was resumed (step <c>saga</c>); the reason is the operator's note.</summary>
    Resumed,

    /// <summary>A resume reached a saga that is not Faulted (step <c>saga</c>).</summary>
    ResumeIgnored,

    /// <summary>A reply of an attempt that is no longer current (a late one, or one after the saga moved on).</summary>
    IgnoredStaleReply,

    /// <summary>An event the saga no longer accepts in its state: a duplicate (step <c>saga</c>).</summary>
    IgnoredEvent,

    /// <summary>An operator ordered the saga compensated (step <c>saga</c>); the reason is the operator's note.</summary>
    CompensationOrdered,

    /// <summary>An order to compensate reached a saga past its pivot, or not Executing (step <c>saga</c>).</summary>
    CompensationOrderIgnored,

    /// <summary>An operator ran a step waiting for its retry at once; the reason is the operator's note.</summary>
    RetriedNow,

    /// <summary>An order to retry a step now reached a step that was not waiting for a retry.</summary>
    RetryNowIgnored,

    /// <summary>
    /// Where an attempt of a step that can overflow ran, recorded with its reply: the reason says the host (<c>primary</c>, this
    /// process's handler, or <c>overflow</c>, the route's function) and what decided it.
    /// </summary>
    Placed,
}
