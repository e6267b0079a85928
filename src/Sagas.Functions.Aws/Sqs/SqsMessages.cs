using System.Security.Cryptography;
using System.Text;
using Amazon.SQS.Model;
using CloudNative.CloudEvents;
using Sagas.CloudEvents;
using Sagas.Functions.ClaimCheck;
using Sagas.Functions.Queues;

namespace Sagas.Functions.Aws.Sqs;

/// <summary>What SQS adds to <see cref="QueueCloudEvents"/>: its limit, and the FIFO group and deduplication ids.</summary>
internal static class SqsMessages
{
    public static QueueCloudEvents CloudEvents(IClaimCheckStore? claimChecks, int maxMessageBytes)
        => new(claimChecks, new QueueMessageLimit("an SQS message", maxMessageBytes, bytes => bytes));

    public static bool IsFifo(string queueUrl) => queueUrl.EndsWith(".fifo", StringComparison.Ordinal);

    /// <summary>The request that sends <paramref name="cloudEvent"/> to <paramref name="queueUrl"/>, its data checked in when it is too large.</summary>
    /// <exception cref="InvalidOperationException">Too large and no claim-check store, or too large even without its data.</exception>
    /// <exception cref="ArgumentException">A FIFO queue and the event has no saga id.</exception>
    public static async ValueTask<(SendMessageRequest Request, int Bytes, string? ClaimCheck)> CreateSendRequestAsync(
        this QueueCloudEvents events, string queueUrl, CloudEvent cloudEvent, CancellationToken cancellationToken)
    {
        var (text, bytes, claimCheck) = await events.EncodeAsync(cloudEvent, queueUrl, cancellationToken).ConfigureAwait(false);
        var request = new SendMessageRequest { QueueUrl = queueUrl, MessageBody = text };
        if (IsFifo(queueUrl))
        {
            var group = cloudEvent.Subject ?? cloudEvent[SagaAttributes.CorrelationId.Name] as string
                ?? throw new ArgumentException($"CloudEvent '{cloudEvent.Id}' has no 'subject' (saga id): a FIFO queue needs it as the message group.", nameof(cloudEvent));
            request.MessageGroupId = ToSqsId(group);
            request.MessageDeduplicationId = ToSqsId(cloudEvent.Id ?? throw new ArgumentException("The CloudEvent has no 'id'.", nameof(cloudEvent)));
        }

        return (request, bytes, claimCheck);
    }

    /// <summary>
    /// A valid MessageGroupId / MessageDeduplicationId (1 to 128 printable ASCII characters): the value itself when it
    /// is one, otherwise its hex SHA-256.
    /// </summary>
    internal static string ToSqsId(string value)
        => value.Length is > 0 and <= 128 && value.All(c => c is >= '!' and <= '~')
            ? value
            : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
}
