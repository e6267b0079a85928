using CloudNative.CloudEvents;

namespace Sagas.CloudEvents.Structured;

/// <summary>
/// A structured-mode JSON CloudEvent as it came off the wire: its context attributes as text, and its data as the JSON it
/// arrived in, to be read straight into the contract type (never through a <c>JsonElement</c> first).
/// </summary>
internal sealed class StructuredEvent
{
    public required string Id { get; init; }

    public required Uri Source { get; init; }

    /// <summary>The <c>source</c> as the CloudEvents SDK formats it (inbox keys and headers use this text).</summary>
    public required string SourceText { get; init; }

    public required string Type { get; init; }

    public string? Subject { get; init; }

    public DateTimeOffset? Time { get; init; }

    public string? DataContentType { get; init; }

    /// <summary>Every extension attribute, by name, as text (integers and Booleans as the SDK formats them).</summary>
    public required IReadOnlyList<KeyValuePair<string, string>> Extensions { get; init; }

    /// <summary>The data as JSON bytes; empty when the event has none (or <c>null</c>).</summary>
    public ReadOnlyMemory<byte> Data { get; init; }

    /// <summary>The event as the CloudEvents SDK decoded it, when it was (see <see cref="From"/>); its data is read from there.</summary>
    public CloudEvent? Decoded { get; init; }

    /// <summary>An extension attribute's text, or <see langword="null"/>.</summary>
    public string? this[string name]
    {
        get
        {
            foreach (var (key, value) in Extensions)
            {
                if (key == name)
                {
                    return value;
                }
            }

            return null;
        }
    }

    /// <summary>The same view over an event the CloudEvents SDK decoded.</summary>
    public static StructuredEvent From(CloudEvent cloudEvent)
    {
        ArgumentNullException.ThrowIfNull(cloudEvent);
        var extensions = new List<KeyValuePair<string, string>>();
        foreach (var (attribute, value) in cloudEvent.GetPopulatedAttributes())
        {
            if (attribute.IsExtension)
            {
                extensions.Add(new(attribute.Name, value as string ?? attribute.Format(value)));
            }
        }

        return new StructuredEvent
        {
            Id = cloudEvent.Id!,
            Source = cloudEvent.Source!,
            SourceText = cloudEvent.Source!.ToString(),
            Type = cloudEvent.Type!,
            Subject = cloudEvent.Subject,
            Time = cloudEvent.Time,
            DataContentType = cloudEvent.DataContentType,
            Extensions = extensions,
            Decoded = cloudEvent,
        };
    }
}
