using Microsoft.Extensions.Options;
using Sagas.Functions.Aws.Sqs;
using Sagas.Functions.ClaimCheck;

namespace Sagas.Functions.Aws.Channel;

/// <summary>Options of <see cref="SqsStepChannel"/>, validated when the channel is created.</summary>
public sealed class SqsStepChannelOptions
{
    /// <summary>
    /// The URL of the queue step commands are sent to (the queue that triggers the function). A URL ending in
    /// <c>.fifo</c> is a FIFO queue: commands get MessageGroupId = saga id and MessageDeduplicationId = CloudEvents id.
    /// Required.
    /// </summary>
    public string? RequestQueueUrl { get; set; }

    /// <summary>The URL of the queue replies come back on. Required.</summary>
    public string? ReplyQueueUrl { get; set; }

    /// <summary>
    /// How long one receive call waits for replies (SQS long polling), whole seconds from 0 to 20. Default 20 seconds:
    /// fewer empty receives, and a reply is still handed over as soon as it arrives.
    /// </summary>
    public TimeSpan ReceiveWaitTime { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How many replies one receive call takes at most, 1 to 10. Default 10.</summary>
    public int ReceiveBatchSize { get; set; } = 10;

    /// <summary>
    /// How long a received reply stays hidden from other receivers while the callback runs, whole seconds from 0 to
    /// 12 hours; a reply whose callback failed comes back after it. Default 30 seconds.
    /// </summary>
    public TimeSpan VisibilityTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The largest message sent, in bytes (1,024 to 1,048,576); a larger command travels by claim check through the
    /// <see cref="IClaimCheckStore"/> given to the channel. Default <see cref="PayloadLimits.SqsMessage"/> (256 KiB).
    /// </summary>
    public int MaxMessageBytes { get; set; } = PayloadLimits.SqsMessage;

    /// <summary>
    /// Whether commands carry <c>replyto</c> = <see cref="ReplyQueueUrl"/>, so one function can answer several callers
    /// (it must list the queue in <see cref="Lambda.SqsLambdaOptions.AllowedReplyQueueUrls"/>). Default off.
    /// </summary>
    public bool SendReplyTo { get; set; }

    /// <summary>How long <see cref="SqsStepChannel.ListenAsync"/> waits after a receive call failed before it tries again. Default 1 second.</summary>
    public TimeSpan ReceiveErrorDelay { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>Validates <see cref="SqsStepChannelOptions"/> with messages that name the setting.</summary>
public sealed class SqsStepChannelOptionsValidator : IValidateOptions<SqsStepChannelOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, SqsStepChannelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        const string prefix = nameof(SqsStepChannelOptions);
        var failures = new List<string>();
        SqsOptionChecks.QueueUrl(failures, $"{prefix}.{nameof(options.RequestQueueUrl)}", options.RequestQueueUrl, required: true);
        SqsOptionChecks.QueueUrl(failures, $"{prefix}.{nameof(options.ReplyQueueUrl)}", options.ReplyQueueUrl, required: true);
        SqsOptionChecks.WholeSeconds(failures, $"{prefix}.{nameof(options.ReceiveWaitTime)}", options.ReceiveWaitTime, TimeSpan.FromSeconds(20));
        SqsOptionChecks.WholeSeconds(failures, $"{prefix}.{nameof(options.VisibilityTimeout)}", options.VisibilityTimeout, TimeSpan.FromHours(12));
        if (options.ReceiveBatchSize is < 1 or > 10)
        {
            failures.Add($"{prefix}.{nameof(options.ReceiveBatchSize)} must be from 1 to 10 (the SQS maximum per receive), got {options.ReceiveBatchSize}.");
        }

        SqsOptionChecks.MaxMessageBytes(failures, $"{prefix}.{nameof(options.MaxMessageBytes)}", options.MaxMessageBytes);
        if (options.ReceiveErrorDelay < TimeSpan.Zero)
        {
            failures.Add($"{prefix}.{nameof(options.ReceiveErrorDelay)} must not be negative, got {options.ReceiveErrorDelay}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
