namespace Sagas.Functions.Inbox;

/// <summary>What <see cref="IStepInbox.TryClaimAsync"/> found for a command.</summary>
public enum StepInboxClaimStatus
{
    /// <summary>The command is new (or its earlier claim expired): the caller runs it, then completes or releases the claim.</summary>
    Claimed,

    /// <summary>The command already ran: <see cref="StepInboxClaim.Reply"/> is the reply it produced.</summary>
    Completed,

    /// <summary>Another execution of the same command holds an unexpired claim: try again later.</summary>
    InProgress,
}

/// <summary>The answer of <see cref="IStepInbox.TryClaimAsync"/>.</summary>
public readonly record struct StepInboxClaim
{
    private StepInboxClaim(StepInboxClaimStatus status, Guid leaseId, ReadOnlyMemory<byte> reply)
    {
        Status = status;
        LeaseId = leaseId;
        Reply = reply;
    }

    /// <summary>What was found.</summary>
    public StepInboxClaimStatus Status { get; }

    /// <summary>
    /// When <see cref="Status"/> is <see cref="StepInboxClaimStatus.Claimed"/>: identifies this claim, so that a
    /// release by an execution whose claim expired and was taken over does not free the newer claim.
    /// </summary>
    public Guid LeaseId { get; }

    /// <summary>When <see cref="Status"/> is <see cref="StepInboxClaimStatus.Completed"/>: the stored reply, a structured-mode JSON CloudEvent.</summary>
    public ReadOnlyMemory<byte> Reply { get; }

    /// <summary>A new claim, identified by <paramref name="leaseId"/>.</summary>
    public static StepInboxClaim Claimed(Guid leaseId) => new(StepInboxClaimStatus.Claimed, leaseId, default);

    /// <summary>The command already ran and produced <paramref name="reply"/>.</summary>
    public static StepInboxClaim Completed(ReadOnlyMemory<byte> reply) => new(StepInboxClaimStatus.Completed, Guid.Empty, reply);

    /// <summary>Another execution holds the claim.</summary>
    public static StepInboxClaim InProgress() => new(StepInboxClaimStatus.InProgress, Guid.Empty, default);
}
