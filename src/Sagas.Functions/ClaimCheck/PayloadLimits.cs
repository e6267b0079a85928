namespace Sagas.Functions.ClaimCheck;

/// <summary>
/// The largest event each transport takes, in bytes; a step command over its target's limit travels by claim check
/// (<see cref="ClaimChecks"/>). Channels take their limit from options whose defaults are these values.
/// </summary>
public static class PayloadLimits
{
    /// <summary>
    /// Amazon SQS: 256 KiB (262,144 bytes) of body plus message attributes. Queues created since 2025 may allow up to
    /// 1 MiB (the queue's <c>MaximumMessageSize</c>); 256 KiB is safe for every queue.
    /// </summary>
    public const int SqsMessage = 256 * 1024;

    /// <summary>AWS Lambda, asynchronous invocation (<c>Event</c>): 1 MiB of payload.</summary>
    public const int LambdaAsynchronousInvocation = 1024 * 1024;

    /// <summary>AWS Lambda, synchronous invocation (<c>RequestResponse</c>, also an SQS event source batch): 6 MB of payload.</summary>
    public const int LambdaSynchronousInvocation = 6 * 1024 * 1024;

    /// <summary>Azure Storage Queues: 64 KiB per message (Base64 encoding leaves 48 KiB of raw bytes).</summary>
    public const int AzureStorageQueueMessage = 64 * 1024;
}
