using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CloudNative.CloudEvents;
using Sagas.CloudEvents;

namespace Sagas.Functions.ClaimCheck;

/// <summary>
/// The claim check pattern on CloudEvents: an event whose data is too large for its transport travels with its data in an
/// <see cref="IClaimCheckStore"/> and a reference in the <c>claimcheck</c> extension attribute instead; the receiver
/// redeems the reference before it processes the event.
/// </summary>
/// <remarks>
/// <para>A checked-in event keeps every attribute (<c>type</c>, <c>id</c>, <c>datacontenttype</c>, the saga attributes),
/// has no data, and carries <c>claimcheck</c> = the lower-case hex SHA-256 of the data bytes. Redeeming loads those bytes,
/// checks their hash, and gives back the event as it was (JSON data as a JSON value, <c>text/*</c> as a string, anything
/// else as bytes) without <c>claimcheck</c>.</para>
/// <para>Peers in other languages only need the same two steps: the attribute is a plain string and the payload is the
/// event's data as it would appear in binary mode.</para>
/// </remarks>
public static class ClaimChecks
{
    /// <summary>The <c>claimcheck</c> extension attribute: the store key of the event's data.</summary>
    public static CloudEventAttribute Attribute { get; } = CloudEventAttribute.CreateExtension("claimcheck", CloudEventAttributeType.String);

    /// <summary>The <c>claimcheck</c> reference of <paramref name="cloudEvent"/>, or <see langword="null"/> when it carries its data itself.</summary>
    public static string? GetReference(CloudEvent cloudEvent)
    {
        ArgumentNullException.ThrowIfNull(cloudEvent);
        return cloudEvent[Attribute.Name] as string;
    }

    /// <summary>
    /// Stores the data of <paramref name="cloudEvent"/> in <paramref name="store"/> and returns a copy without data that
    /// carries the reference. <paramref name="cloudEvent"/> is not modified.
    /// </summary>
    /// <param name="store">Where the data goes.</param>
    /// <param name="cloudEvent">An event with data (a JSON value, a string or bytes).</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The event to send.</returns>
    /// <exception cref="ArgumentException">The event has no data, already carries a claim check, or its data is of a kind that cannot be stored.</exception>
    public static async ValueTask<CloudEvent> CheckInAsync(IClaimCheckStore store, CloudEvent cloudEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(cloudEvent);
        if (GetReference(cloudEvent) is not null)
        {
            throw new ArgumentException($"CloudEvent '{cloudEvent.Id}' already carries a claim check.", nameof(cloudEvent));
        }

        var payload = DataBytes(cloudEvent);
        var key = KeyOf(payload);
        await store.PutAsync(key, payload, cancellationToken).ConfigureAwait(false);
        var checkedIn = Copy(cloudEvent);
        checkedIn.Data = null;
        checkedIn[Attribute] = key;
        return checkedIn;
    }

    /// <summary>
    /// Gives back <paramref name="cloudEvent"/> with its data loaded from <paramref name="store"/>, or the event itself
    /// when it carries no claim check. <paramref name="cloudEvent"/> is not modified.
    /// </summary>
    /// <param name="store">Where the data is; may be <see langword="null"/> when no store is configured.</param>
    /// <param name="cloudEvent">An event as received.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The event with its data.</returns>
    /// <exception cref="CloudEventRejectedException">
    /// Permanent: the event carries data and a claim check, no store is configured, the payload is not in the store, or
    /// its hash does not match the reference.
    /// </exception>
    /// <remarks>Exceptions from the store itself propagate: they are transient.</remarks>
    public static async ValueTask<CloudEvent> RedeemAsync(IClaimCheckStore? store, CloudEvent cloudEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cloudEvent);
        var key = GetReference(cloudEvent);
        if (key is null)
        {
            return cloudEvent;
        }

        if (cloudEvent.Data is not null)
        {
            throw Reject(cloudEvent, $"the event carries both data and a claim check '{key}'");
        }

        if (store is null)
        {
            throw Reject(cloudEvent, $"the event's data is behind claim check '{key}', but this endpoint has no claim-check store ({nameof(IClaimCheckStore)})");
        }

        var payload = await store.GetAsync(key, cancellationToken).ConfigureAwait(false)
            ?? throw Reject(cloudEvent, $"claim check '{key}' was not found in the claim-check store");
        if (!string.Equals(KeyOf(payload.Span), key, StringComparison.Ordinal))
        {
            throw Reject(cloudEvent, $"the payload of claim check '{key}' does not match its SHA-256");
        }

        var redeemed = Copy(cloudEvent);
        redeemed[Attribute.Name] = null;
        try
        {
            redeemed.Data = DataOf(payload, cloudEvent.DataContentType);
        }
        catch (JsonException ex)
        {
            throw Reject(cloudEvent, $"the payload of claim check '{key}' is not valid JSON: {ex.Message}");
        }

        return redeemed;
    }

    /// <summary>The store key of a payload: its lower-case hex SHA-256.</summary>
    internal static string KeyOf(ReadOnlySpan<byte> payload) => Convert.ToHexStringLower(SHA256.HashData(payload));

    private static byte[] DataBytes(CloudEvent cloudEvent) => cloudEvent.Data switch
    {
        null => throw new ArgumentException($"CloudEvent '{cloudEvent.Id}' has no data to check in.", nameof(cloudEvent)),
        JsonElement element => JsonSerializer.SerializeToUtf8Bytes(element),
        byte[] bytes => bytes,
        ReadOnlyMemory<byte> memory => memory.ToArray(),
        string text => Encoding.UTF8.GetBytes(text),
        var other => throw new ArgumentException($"CloudEvent '{cloudEvent.Id}' has data of CLR type {other.GetType().Name}; a claim check stores a JSON value, a string or bytes.", nameof(cloudEvent)),
    };

    private static object DataOf(ReadOnlyMemory<byte> payload, string? contentType)
    {
        if (CloudEventConverter.IsJsonMediaType(contentType))
        {
            using var document = JsonDocument.Parse(payload);
            return document.RootElement.Clone();
        }

        return contentType is not null && contentType.StartsWith("text/", StringComparison.OrdinalIgnoreCase)
            ? Encoding.UTF8.GetString(payload.Span)
            : payload.ToArray();
    }

    private static CloudEvent Copy(CloudEvent cloudEvent)
    {
        var copy = new CloudEvent(cloudEvent.SpecVersion, cloudEvent.ExtensionAttributes);
        foreach (var (attribute, value) in cloudEvent.GetPopulatedAttributes())
        {
            if (attribute != CloudEventsSpecVersion.SpecVersionAttribute)
            {
                copy[attribute] = value;
            }
        }

        copy.Data = cloudEvent.Data;
        return copy;
    }

    private static CloudEventRejectedException Reject(CloudEvent cloudEvent, string reason)
        => new(cloudEvent.Type, cloudEvent.Id, cloudEvent.Source?.ToString(), [reason]);
}
