using System.Text;
using CloudNative.CloudEvents;
using Sagas.CloudEvents;
using Sagas.Contracts;
using Sagas.Functions.ClaimCheck;

namespace Sagas.Functions.Azure.Queues;

/// <summary>
/// CloudEvents in Storage Queue messages: structured mode as the message text (UTF-8 JSON, Base64-encoded by the queue
/// client), claim check over the size limit.
/// </summary>
internal sealed class StorageQueueCloudEvents(IClaimCheckStore? claimChecks, int maxMessageBytes)
{
    /// <summary>Encoding and parsing only: no contract is needed for either.</summary>
    private static readonly CloudEventConverter Wire = new(new ContractRegistry());

    public int MaxMessageBytes => maxMessageBytes;

    /// <summary>
    /// The message text for <paramref name="cloudEvent"/>, its data checked in when the Base64-encoded message would be
    /// larger than <see cref="MaxMessageBytes"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">Too large and no claim-check store, or too large even without its data.</exception>
    public async ValueTask<(string Text, int EncodedBytes, string? ClaimCheck)> EncodeAsync(CloudEvent cloudEvent, string queueName, CancellationToken cancellationToken)
    {
        var body = Wire.EncodeStructured(cloudEvent);
        string? claimCheck = null;
        if (StorageQueues.EncodedSize(body.Length) > maxMessageBytes)
        {
            if (claimChecks is null)
            {
                throw new InvalidOperationException(
                    $"CloudEvent '{cloudEvent.Type}' id '{cloudEvent.Id}' is {StorageQueues.EncodedSize(body.Length)} bytes once Base64-encoded for queue '{queueName}', more than the {maxMessageBytes} bytes a Storage Queue message may have (MaxMessageBytes), and no claim-check store ({nameof(IClaimCheckStore)}) is configured to carry its data.");
            }

            var checkedIn = await ClaimChecks.CheckInAsync(claimChecks, cloudEvent, cancellationToken).ConfigureAwait(false);
            claimCheck = ClaimChecks.GetReference(checkedIn);
            body = Wire.EncodeStructured(checkedIn);
            if (StorageQueues.EncodedSize(body.Length) > maxMessageBytes)
            {
                throw new InvalidOperationException(
                    $"CloudEvent '{cloudEvent.Type}' id '{cloudEvent.Id}' is {StorageQueues.EncodedSize(body.Length)} bytes once Base64-encoded even without its data, more than the {maxMessageBytes} bytes a Storage Queue message may have (MaxMessageBytes).");
            }
        }

        return (Encoding.UTF8.GetString(body.Span), StorageQueues.EncodedSize(body.Length), claimCheck);
    }

    /// <summary>Parses message text as a structured CloudEvent and redeems its claim check.</summary>
    /// <exception cref="CloudEventRejectedException">Not a CloudEvent, or a claim check that cannot be redeemed.</exception>
    /// <remarks>An exception from the claim-check store itself propagates: it is transient.</remarks>
    public async ValueTask<CloudEvent> ReadAsync(string? text, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new CloudEventRejectedException("the queue message is empty, not a structured CloudEvent");
        }

        var cloudEvent = Wire.DecodeStructured(Encoding.UTF8.GetBytes(text));
        return await ClaimChecks.RedeemAsync(claimChecks, cloudEvent, cancellationToken).ConfigureAwait(false);
    }
}
