using Microsoft.Extensions.Options;
using Sagas.Functions.Azure.Queues;
using Sagas.Functions.ClaimCheck;

namespace Sagas.Functions.Azure.Channel;

/// <summary>Options of <see cref="StorageQueueStepChannel"/>, validated when the channel is created.</summary>
public sealed class StorageQueueStepChannelOptions : StorageQueueConnectionOptions
{
    /// <summary>The queue step commands are sent to: the queue the function's <c>QueueTrigger</c> listens on. Required.</summary>
    public string? RequestQueueName { get; set; }

    /// <summary>
    /// The queue replies come back on: the function's <see cref="QueueTrigger.StepQueueTriggerOptions.ReplyQueueName"/>.
    /// Required. Replies that can never be handled go to <c>&lt;ReplyQueueName&gt;-poison</c>.
    /// </summary>
    public string? ReplyQueueName { get; set; }

    /// <summary>
    /// Whether the channel creates the request queue, the reply queue and its poison queue when they do not exist
    /// (once, on first use). Default <see langword="true"/>; turn it off when the identity may not create queues.
    /// </summary>
    public bool CreateQueues { get; set; } = true;

    /// <summary>How many replies one receive call takes at most, 1 to 32 (the Storage Queue maximum). Default 16, like the Functions host.</summary>
    public int ReceiveBatchSize { get; set; } = 16;

    /// <summary>
    /// How long a received reply stays hidden from other receivers while the callback runs, from 1 second to 7 days.
    /// A reply still being handled when it expires is delivered again. Default 30 seconds.
    /// </summary>
    public TimeSpan VisibilityTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a reply whose callback threw stays hidden before it is delivered again (at most
    /// <see cref="VisibilityTimeout"/>). Default 5 seconds; zero retries at once, as the Functions host does by default.
    /// </summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How many deliveries of a reply may fail before it goes to the reply poison queue with the last failure as its
    /// reason, like host.json's <c>maxDequeueCount</c>. From 1; default 5.
    /// </summary>
    public int MaxDequeueCount { get; set; } = 5;

    /// <summary>
    /// The shortest pause of <see cref="StorageQueueStepChannel.ListenAsync"/> after an empty receive. Storage Queues
    /// have no long polling: the pause doubles after each empty receive up to <see cref="MaxPollingInterval"/> and drops
    /// back here as soon as a reply arrives. Default 100 milliseconds.
    /// </summary>
    public TimeSpan MinPollingInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// The longest pause after an empty receive: the worst added latency of an idle channel (and its transaction cost).
    /// Default 2 seconds, the Functions host's value for local development (it uses 1 minute in Azure).
    /// </summary>
    public TimeSpan MaxPollingInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The largest message sent, in bytes counted after Base64 encoding (1,024 to 65,536); a larger command travels by
    /// claim check through the <see cref="IClaimCheckStore"/> given to the channel. Default
    /// <see cref="PayloadLimits.AzureStorageQueueMessage"/> (64 KiB, which leaves 48 KiB of CloudEvent JSON).
    /// </summary>
    public int MaxMessageBytes { get; set; } = PayloadLimits.AzureStorageQueueMessage;

    /// <summary>How long <see cref="StorageQueueStepChannel.ListenAsync"/> waits after a receive call failed before it tries again. Default 1 second.</summary>
    public TimeSpan ReceiveErrorDelay { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>Validates <see cref="StorageQueueStepChannelOptions"/> with messages that name the setting.</summary>
public sealed class StorageQueueStepChannelOptionsValidator : IValidateOptions<StorageQueueStepChannelOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, StorageQueueStepChannelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        const string prefix = nameof(StorageQueueStepChannelOptions);
        var failures = new List<string>();
        StorageQueues.CheckConnection(failures, prefix, options);
        StorageQueues.CheckQueueName(failures, $"{prefix}.{nameof(options.RequestQueueName)}", options.RequestQueueName, poison: false);
        StorageQueues.CheckQueueName(failures, $"{prefix}.{nameof(options.ReplyQueueName)}", options.ReplyQueueName, poison: true);
        if (options.RequestQueueName is not null && string.Equals(options.RequestQueueName, options.ReplyQueueName, StringComparison.Ordinal))
        {
            failures.Add($"{prefix}.{nameof(options.ReplyQueueName)} must differ from {prefix}.{nameof(options.RequestQueueName)} ('{options.ReplyQueueName}'): commands and replies need queues of their own.");
        }

        if (options.ReceiveBatchSize is < 1 or > 32)
        {
            failures.Add($"{prefix}.{nameof(options.ReceiveBatchSize)} must be from 1 to 32 (the Storage Queue maximum per receive), got {options.ReceiveBatchSize}.");
        }

        if (options.VisibilityTimeout < TimeSpan.FromSeconds(1) || options.VisibilityTimeout > TimeSpan.FromDays(7))
        {
            failures.Add($"{prefix}.{nameof(options.VisibilityTimeout)} must be from 1 second to 7 days, got {options.VisibilityTimeout}.");
        }

        if (options.RetryDelay < TimeSpan.Zero || options.RetryDelay > options.VisibilityTimeout)
        {
            failures.Add($"{prefix}.{nameof(options.RetryDelay)} must be from zero to {prefix}.{nameof(options.VisibilityTimeout)} ({options.VisibilityTimeout}), got {options.RetryDelay}.");
        }

        if (options.MaxDequeueCount < 1)
        {
            failures.Add($"{prefix}.{nameof(options.MaxDequeueCount)} must be at least 1, got {options.MaxDequeueCount}.");
        }

        if (options.MinPollingInterval <= TimeSpan.Zero)
        {
            failures.Add($"{prefix}.{nameof(options.MinPollingInterval)} must be positive, got {options.MinPollingInterval}.");
        }

        if (options.MaxPollingInterval < options.MinPollingInterval)
        {
            failures.Add($"{prefix}.{nameof(options.MaxPollingInterval)} must be at least {prefix}.{nameof(options.MinPollingInterval)} ({options.MinPollingInterval}), got {options.MaxPollingInterval}.");
        }

        StorageQueues.CheckMaxMessageBytes(failures, $"{prefix}.{nameof(options.MaxMessageBytes)}", options.MaxMessageBytes);
        if (options.ReceiveErrorDelay < TimeSpan.Zero)
        {
            failures.Add($"{prefix}.{nameof(options.ReceiveErrorDelay)} must not be negative, got {options.ReceiveErrorDelay}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
