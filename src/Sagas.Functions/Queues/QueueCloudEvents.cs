using System.Text;
using CloudNative.CloudEvents;
using Sagas.CloudEvents;
using Sagas.Contracts;
using Sagas.Functions.ClaimCheck;

namespace Sagas.Functions.Queues;

/// <summary>
/// CloudEvents in queue messages (SQS, Azure Storage Queues): structured mode as the message text, its data checked in
/// when the message would be over the queue's limit, its claim check redeemed on the way in.
/// </summary>
internal sealed class QueueCloudEvents(IClaimCheckStore? claimChecks, QueueMessageLimit limit)
{
    /// <summary>Encoding and parsing only: no contract is needed for either.</summary>
    private static readonly CloudEventConverter Wire = new(new ContractRegistry());

    /// <summary>
    /// The message text for <paramref name="cloudEvent"/> and its size on the queue, its data checked in when the message
    /// would be over the limit.
    /// </summary>
    /// <exception cref="InvalidOperationException">Too large and no claim-check store, or too large even without its data.</exception>
    public async ValueTask<(string Text, int Bytes, string? ClaimCheck)> EncodeAsync(CloudEvent cloudEvent, string queue, CancellationToken cancellationToken)
    {
        var body = Wire.EncodeStructured(cloudEvent);
        string? claimCheck = null;
        if (limit.SizeOnQueue(body.Length) > limit.MaxMessageBytes)
        {
            if (claimChecks is null)
            {
                throw new InvalidOperationException(
                    $"{Describe(cloudEvent, body.Length, queue)}, more than the {limit.MaxMessageBytes} bytes {limit.MessageName} may have (MaxMessageBytes), and no claim-check store ({nameof(IClaimCheckStore)}) is configured to carry its data.");
            }

            var checkedIn = await ClaimChecks.CheckInAsync(claimChecks, cloudEvent, cancellationToken).ConfigureAwait(false);
            claimCheck = ClaimChecks.GetReference(checkedIn);
            body = Wire.EncodeStructured(checkedIn);
            if (limit.SizeOnQueue(body.Length) > limit.MaxMessageBytes)
            {
                throw new InvalidOperationException(
                    $"{Describe(cloudEvent, body.Length, queue)} even without its data, more than the {limit.MaxMessageBytes} bytes {limit.MessageName} may have (MaxMessageBytes).");
            }
        }

        return (Encoding.UTF8.GetString(body.Span), limit.SizeOnQueue(body.Length), claimCheck);
    }

    /// <summary>Parses message text as a structured CloudEvent and redeems its claim check.</summary>
    /// <exception cref="CloudEventRejectedException">Not a CloudEvent, or a claim check that cannot be redeemed.</exception>
    /// <remarks>An exception from the claim-check store itself propagates: it is transient.</remarks>
    public async ValueTask<CloudEvent> ReadAsync(string? text, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new CloudEventRejectedException($"the body of {limit.MessageName} is empty, not a structured CloudEvent");
        }

        var cloudEvent = Wire.DecodeStructured(Encoding.UTF8.GetBytes(text));
        return await ClaimChecks.RedeemAsync(claimChecks, cloudEvent, cancellationToken).ConfigureAwait(false);
    }

    private string Describe(CloudEvent cloudEvent, int bodyBytes, string queue)
        => $"CloudEvent '{cloudEvent.Type}' id '{cloudEvent.Id}' is {limit.SizeOnQueue(bodyBytes)} bytes{limit.SizeNote} for queue '{queue}'";
}
