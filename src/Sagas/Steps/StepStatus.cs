namespace Sagas.Steps;

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
