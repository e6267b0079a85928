using Microsoft.Extensions.Options;
using Sagas.Functions.Aws.Sqs;
using Sagas.Functions.ClaimCheck;

namespace Sagas.Functions.Aws.Lambda;

/// <summary>Options of <see cref="SqsLambdaHandler"/>, validated at start.</summary>
public sealed class SqsLambdaOptions
{
    /// <summary>The URL of the queue replies go to, unless a command names an allowed one in <c>replyto</c>. Required.</summary>
    public string? ReplyQueueUrl { get; set; }

    /// <summary>
    /// The URL of the queue that receives commands that can never run (malformed, unknown type, invalid data, no handler,
    /// an unredeemable claim check): the original body, with the reasons in the <c>sagas.rejection</c> message attribute.
    /// Required: without it such commands would be retried until the queue's own redrive policy gives up, with no reason
    /// recorded.
    /// </summary>
    public string? DeadLetterQueueUrl { get; set; }

    /// <summary>
    /// Further reply queues a command may name in its <c>replyto</c> attribute (exact URLs). A command naming any other
    /// queue is rejected: the function never writes to a queue its configuration does not name. Default none.
    /// </summary>
    public IList<string> AllowedReplyQueueUrls { get; } = [];

    /// <summary>
    /// How many records of a standard queue's batch run at once, 1 to 100. FIFO batches always run one record at a time,
    /// in order. Default 4.
    /// </summary>
    public int MaxConcurrency { get; set; } = 4;

    /// <summary>
    /// The largest reply or dead-letter message sent, in bytes (1,024 to 1,048,576); a larger reply travels by claim check
    /// through the registered <see cref="IClaimCheckStore"/>. Default <see cref="PayloadLimits.SqsMessage"/> (256 KiB).
    /// </summary>
    public int MaxMessageBytes { get; set; } = PayloadLimits.SqsMessage;
}

/// <summary>Validates <see cref="SqsLambdaOptions"/> with messages that name the setting.</summary>
public sealed class SqsLambdaOptionsValidator : IValidateOptions<SqsLambdaOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, SqsLambdaOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        const string prefix = nameof(SqsLambdaOptions);
        var failures = new List<string>();
        SqsOptionChecks.QueueUrl(failures, $"{prefix}.{nameof(options.ReplyQueueUrl)}", options.ReplyQueueUrl, required: true);
        SqsOptionChecks.QueueUrl(failures, $"{prefix}.{nameof(options.DeadLetterQueueUrl)}", options.DeadLetterQueueUrl, required: true);
        for (var i = 0; i < options.AllowedReplyQueueUrls.Count; i++)
        {
            SqsOptionChecks.QueueUrl(failures, $"{prefix}.{nameof(options.AllowedReplyQueueUrls)}[{i}]", options.AllowedReplyQueueUrls[i], required: true);
        }

        if (options.MaxConcurrency is < 1 or > 100)
        {
            failures.Add($"{prefix}.{nameof(options.MaxConcurrency)} must be from 1 to 100, got {options.MaxConcurrency}.");
        }

        SqsOptionChecks.MaxMessageBytes(failures, $"{prefix}.{nameof(options.MaxMessageBytes)}", options.MaxMessageBytes);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
