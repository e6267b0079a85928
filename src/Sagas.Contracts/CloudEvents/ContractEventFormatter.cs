using System.Net.Mime;
using System.Text;
using System.Text.Json;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.SystemTextJson;

namespace Sagas.CloudEvents;

/// <summary>
/// The CloudEvents JSON formatter, completed where CloudNative.CloudEvents 2.9 falls short of the JSON
/// format spec (section 3.1.1): text data with a non-JSON <c>datacontenttype</c> (e.g. <c>application/xml</c>)
/// is written as a JSON string in structured mode and as its encoded bytes in binary mode, instead of
/// throwing.
/// </summary>
internal sealed class ContractEventFormatter(JsonSerializerOptions options) : JsonEventFormatter(options, default)
{
    protected override void EncodeStructuredModeData(CloudEvent cloudEvent, Utf8JsonWriter writer)
    {
        if (cloudEvent.Data is string text && !IsJson(cloudEvent.DataContentType))
        {
            writer.WriteString("data", text);
            return;
        }

        base.EncodeStructuredModeData(cloudEvent, writer);
    }

    public override ReadOnlyMemory<byte> EncodeBinaryModeEventData(CloudEvent cloudEvent)
    {
        ArgumentNullException.ThrowIfNull(cloudEvent);
        if (cloudEvent.Data is string text && !IsJson(cloudEvent.DataContentType))
        {
            var charset = cloudEvent.DataContentType is { } type ? new ContentType(type).CharSet : null;
            return (charset is null ? Encoding.UTF8 : Encoding.GetEncoding(charset)).GetBytes(text);
        }

        return base.EncodeBinaryModeEventData(cloudEvent);
    }

    private bool IsJson(string? contentType)
        => contentType is null || IsJsonMediaType(new ContentType(contentType).MediaType);
}
