using System.Security.Cryptography;
using System.Text;
using Amazon.SQS.Model;
using CloudNative.CloudEvents;
using Sagas.CloudEvents;
using Sagas.Contracts;
using Sagas.Functions.ClaimCheck;

namespace Sagas.Functions.Aws.Sqs;

/// <summary>CloudEvents in SQS messages: structured mode in the body, claim check over the size limit, FIFO ids.</summary>
internal sealed class SqsCloudEvents(IClaimCheckStore? claimChecks, int maxMessageBytes)
{
    /// <summary>Encoding and parsing only: no contract is needed for either.</summary>
    private static readonly CloudEventConverter Wire = new(new ContractRegistry());

    public int MaxMessageBytes => maxMessageBytes;

    public static bool IsFifo(string queueUrl) => queueUrl.EndsWith(".fifo", StringComparison.Ordinal);

    /// <summary>The request that sends <paramref name="cloudEvent"/> to <paramref name="queueUrl"/>, its data checked in when it is too large.</summary>
    /// <exception cref="InvalidOperationException">Too large and no claim-check store, or too large even without its data.</exception>
    public async ValueTask<(SendMessageRequest Request, int Bytes, string? ClaimCheck)> CreateSendRequestAsync(
        string queueUrl, CloudEvent cloudEvent, CancellationToken cancellationToken)
    {
        var body = Wire.EncodeStructured(cloudEvent);
        string? claimCheck = null;
        if (body.Length > maxMessageBytes)
        {
            if (claimChecks is null)
            {
                throw new InvalidOperationException(
                    $"CloudEvent '{cloudEvent.Type}' id '{cloudEvent.Id}' is {body.Length} bytes, more than the {maxMessageBytes} bytes an SQS message may have (MaxMessageBytes), and no claim-check store ({nameof(IClaimCheckStore)}) is configured to carry its data.");
            }

            var checkedIn = await ClaimChecks.CheckInAsync(claimChecks, cloudEvent, cancellationToken).ConfigureAwait(false);
            claimCheck = ClaimChecks.GetReference(checkedIn);
            body = Wire.EncodeStructured(checkedIn);
            if (body.Length > maxMessageBytes)
            {
                throw new InvalidOperationException(
                    $"CloudEvent '{cloudEvent.Type}' id '{cloudEvent.Id}' is {body.Length} bytes without its data, more than the {maxMessageBytes} bytes an SQS message may have (MaxMessageBytes).");
            }
        }

        var request = new SendMessageRequest { QueueUrl = queueUrl, MessageBody = Encoding.UTF8.GetString(body.Span) };
        if (IsFifo(queueUrl))
        {
            var group = cloudEvent.Subject ?? cloudEvent[SagaAttributes.CorrelationId.Name] as string
                ?? throw new ArgumentException($"CloudEvent '{cloudEvent.Id}' has no 'subject' (saga id): a FIFO queue needs it as the message group.", nameof(cloudEvent));
            request.MessageGroupId = ToSqsId(group);
            request.MessageDeduplicationId = ToSqsId(cloudEvent.Id ?? throw new ArgumentException("The CloudEvent has no 'id'.", nameof(cloudEvent)));
        }

        return (request, body.Length, claimCheck);
    }

    /// <summary>Parses an SQS body as a structured CloudEvent and redeems its claim check.</summary>
    /// <exception cref="CloudEventRejectedException">Not a CloudEvent, or a claim check that cannot be redeemed.</exception>
    public async ValueTask<CloudEvent> ReadAsync(string? body, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(body))
        {
            throw new CloudEventRejectedException("the SQS message has an empty body, not a structured CloudEvent");
        }

        var cloudEvent = Wire.DecodeStructured(Encoding.UTF8.GetBytes(body));
        return await ClaimChecks.RedeemAsync(claimChecks, cloudEvent, cancellationToken).ConfigureAwait(false);
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
