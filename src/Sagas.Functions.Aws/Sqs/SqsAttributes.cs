using CloudNative.CloudEvents;

namespace Sagas.Functions.Aws.Sqs;

/// <summary>The CloudEvents extension attributes that Sagas.Functions.Aws reads and writes.</summary>
public static class SqsAttributes
{
    /// <summary>
    /// <c>replyto</c>: on a step command, the URL of the SQS queue its reply goes to. Set by
    /// <see cref="Channel.SqsStepChannel"/> when <see cref="Channel.SqsStepChannelOptions.SendReplyTo"/> is on; honoured by
    /// <see cref="Lambda.SqsLambdaHandler"/> only for queues it is configured to answer on
    /// (<see cref="Lambda.SqsLambdaOptions.ReplyQueueUrl"/> or <see cref="Lambda.SqsLambdaOptions.AllowedReplyQueueUrls"/>).
    /// </summary>
    public static CloudEventAttribute ReplyTo { get; } = CloudEventAttribute.CreateExtension("replyto", CloudEventAttributeType.String);
}
