namespace Sagas.Functions.Queues;

/// <summary>What a queue step channel sent.</summary>
/// <param name="MessageId">The id the queue service gave the message.</param>
/// <param name="MessageBytes">The size of the message as the queue service counts it against its limit (for Storage Queues, after Base64 encoding).</param>
/// <param name="ClaimCheck">The <c>claimcheck</c> reference when the command's data went to the claim-check store; otherwise <see langword="null"/>.</param>
public sealed record QueueStepSent(string MessageId, int MessageBytes, string? ClaimCheck);
