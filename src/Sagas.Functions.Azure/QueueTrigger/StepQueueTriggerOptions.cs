using Microsoft.Extensions.Options;
using Sagas.Functions.Azure.Queues;
using Sagas.Functions.ClaimCheck;

namespace Sagas.Functions.Azure.QueueTrigger;

/// <summary>Options of <see cref="StepQueueTrigger"/>, validated at start.</summary>
/// <remarks>Bind them from the function app's settings, e.g. <see cref="StorageQueueConnectionOptions.ConnectionString"/>
/// from <c>AzureWebJobsStorage</c>, the storage account the queue trigger itself uses.</remarks>
public sealed class StepQueueTriggerOptions : StorageQueueConnectionOptions
{
    /// <summary>
    /// The queue replies are sent to: the container side's <see cref="Channel.StorageQueueStepChannelOptions.ReplyQueueName"/>.
    /// Required.
    /// </summary>
    public string? ReplyQueueName { get; set; }

    /// <summary>
    /// The delivery at which a failing message goes to the poison queue (<c>&lt;queue&gt;-poison</c>) with its reason
    /// instead of being retried. Set it to host.json's <c>extensions.queues.maxDequeueCount</c>: with a smaller value
    /// here the last deliveries are cut short; with a larger one the host poisons the message first, without a reason.
    /// From 1; default 5, the host's default.
    /// </summary>
    public int MaxDequeueCount { get; set; } = 5;

    /// <summary>
    /// Whether the reply queue and the poison queues are created when they do not exist (once per process, on first
    /// use). Default <see langword="true"/>; turn it off when the function's identity may not create queues.
    /// </summary>
    public bool CreateQueues { get; set; } = true;

    /// <summary>
    /// The largest message sent (replies and poison messages), in bytes counted after Base64 encoding (1,024 to 65,536).
    /// A larger reply travels by claim check through the registered <see cref="IClaimCheckStore"/>. Default
    /// <see cref="PayloadLimits.AzureStorageQueueMessage"/> (64 KiB).
    /// </summary>
    public int MaxMessageBytes { get; set; } = PayloadLimits.AzureStorageQueueMessage;
}

/// <summary>Validates <see cref="StepQueueTriggerOptions"/> with messages that name the setting.</summary>
public sealed class StepQueueTriggerOptionsValidator : IValidateOptions<StepQueueTriggerOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, StepQueueTriggerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        const string prefix = nameof(StepQueueTriggerOptions);
        var failures = new List<string>();
        StorageQueues.CheckConnection(failures, prefix, options);
        StorageQueues.CheckQueueName(failures, $"{prefix}.{nameof(options.ReplyQueueName)}", options.ReplyQueueName, poison: false);
        if (options.MaxDequeueCount < 1)
        {
            failures.Add($"{prefix}.{nameof(options.MaxDequeueCount)} must be at least 1 (match host.json's extensions.queues.maxDequeueCount), got {options.MaxDequeueCount}.");
        }

        StorageQueues.CheckMaxMessageBytes(failures, $"{prefix}.{nameof(options.MaxMessageBytes)}", options.MaxMessageBytes);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
