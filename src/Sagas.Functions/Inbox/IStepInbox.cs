namespace Sagas.Functions.Inbox;

/// <summary>
/// The function-side inbox: remembers, per <see cref="StepInboxKey"/>, that a step command ran and the reply it
/// produced, so a retried HTTP call, a redelivered queue message or a duplicated event gets the same reply
/// without running the handler again.
/// </summary>
/// <remarks>
/// <para>Protocol, as <see cref="Runner.StepFunctionRunner"/> uses it: <see cref="TryClaimAsync"/>; when claimed,
/// run the handler, then <see cref="CompleteAsync"/> with the reply; if the execution is abandoned before a
/// reply exists (cancellation, a crash in the runner), <see cref="ReleaseAsync"/> so a redelivery can run it.
/// A claim that is neither completed nor released (the process died) expires after the store's claim timeout,
/// after which a redelivery may claim the command again.</para>
/// <para><b>Durable store.</b> <see cref="InMemoryStepInbox"/> forgets everything when the process ends, which
/// suits one long-lived HTTP host and tests. This interface is the seam for the PostgreSQL store: a table keyed
/// by (endpoint, source, id) with the lease id, the claim's expiry, the reply and its completion time; claim =
/// insert-or-take-over-expired in one statement (<c>INSERT ... ON CONFLICT DO UPDATE ... WHERE claimed_until &lt; now()</c>),
/// complete = set the reply unless one is set, returning the stored one. Register such a store as
/// <see cref="IStepInbox"/> and <c>AddStepFunctions</c> keeps it (it only adds the in-memory store when none is registered).</para>
/// <para>Implementations must be thread-safe.</para>
/// </remarks>
public interface IStepInbox
{
    /// <summary>Claims <paramref name="key"/> for one execution, or reports the stored reply or a claim held by another execution.</summary>
    ValueTask<StepInboxClaim> TryClaimAsync(StepInboxKey key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores the reply of the execution holding <paramref name="leaseId"/> and returns the reply that is now
    /// stored for <paramref name="key"/>: <paramref name="reply"/>, or an earlier one when another execution
    /// completed first (the first reply wins, so every caller returns the same reply).
    /// </summary>
    /// <param name="key">The command.</param>
    /// <param name="leaseId">The claim's <see cref="StepInboxClaim.LeaseId"/>.</param>
    /// <param name="reply">The reply, a structured-mode JSON CloudEvent.</param>
    /// <param name="cancellationToken">Cancels the store operation.</param>
    ValueTask<ReadOnlyMemory<byte>> CompleteAsync(StepInboxKey key, Guid leaseId, ReadOnlyMemory<byte> reply, CancellationToken cancellationToken = default);

    /// <summary>Gives up the claim <paramref name="leaseId"/> without a reply; no-op if the claim is no longer held by it.</summary>
    ValueTask ReleaseAsync(StepInboxKey key, Guid leaseId, CancellationToken cancellationToken = default);
}
