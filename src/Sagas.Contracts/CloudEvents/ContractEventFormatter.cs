using System.Net.Mime;
using System.Text;
using System.Text.Json;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.Core;
using CloudNative.CloudEvents.SystemTextJson;
using Sagas.CloudEvents.Structured;

namespace Sagas.CloudEvents;

/// <summary>
/// The CloudEvents JSON formatter, completed where CloudNative.CloudEvents 2.9 falls short of the JSON
/// format spec (section 3.1.1): text data with a non-JSON <c>datacontenttype</c> (e.g. <c>application/xml</c>)
/// is written as a JSON string in structured mode and as its encoded bytes in binary mode, instead of
/// throwing.
/// </summary>
/// <remarks>
/// Structured mode writes the same JSON as the SDK's formatter, into a buffer kept per thread (<see cref="PooledJsonWriter"/>)
/// instead of a growing <see cref="MemoryStream"/>, and reads a body without copying it into a stream first; data of the plain
/// <c>application/json</c> type skips the media-type parse. These run for every message Sagas puts on or takes off the
/// wire.
/// </remarks>
internal sealed class ContractEventFormatter(JsonSerializerOptions options) : JsonEventFormatter(options, default)
{
    private readonly JsonWriterOptions _writerOptions = new() { Encoder = options.Encoder, Indented = options.WriteIndented };

    /// <summary>How event JSON is written (the data options' encoder and indentation).</summary>
    public JsonWriterOptions WriterOptions => _writerOptions;

    /// <summary>The event in structured mode, as <see cref="JsonEventFormatter.EncodeStructuredModeMessage"/> writes it.</summary>
    /// <exception cref="ArgumentException">The event lacks a required attribute.</exception>
    public byte[] EncodeStructured(CloudEvent cloudEvent)
    {
        Validation.CheckCloudEventArgument(cloudEvent, nameof(cloudEvent));
        var pooled = PooledJsonWriter.Rent(_writerOptions);
        try
        {
            Write(pooled.Json, cloudEvent);
            return pooled.ToArray();
        }
        finally
        {
            pooled.Return();
        }
    }

    public override ReadOnlyMemory<byte> EncodeStructuredModeMessage(CloudEvent cloudEvent, out ContentType contentType)
    {
        contentType = new ContentType(CloudEventConverter.StructuredContentType) { CharSet = Encoding.UTF8.WebName };
        return EncodeStructured(cloudEvent);
    }

    public override CloudEvent DecodeStructuredModeMessage(ReadOnlyMemory<byte> body, ContentType? contentType, IEnumerable<CloudEventAttribute>? extensionAttributes)
    {
        if (contentType?.CharSet is { } charset && !charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase))
        {
            return base.DecodeStructuredModeMessage(body, contentType, extensionAttributes); // transcodes
        }

        using var document = JsonDocument.Parse(body, DocumentOptions);
        return ConvertFromJsonElement(document.RootElement, extensionAttributes);
    }

    protected override void EncodeStructuredModeData(CloudEvent cloudEvent, Utf8JsonWriter writer)
    {
        if (IsPlainJson(cloudEvent.DataContentType) && cloudEvent.Data is not byte[])
        {
            writer.WritePropertyName(DataPropertyName);
            if (cloudEvent.Data is JsonElement element)
            {
                element.WriteTo(writer);
            }
            else
            {
                JsonSerializer.Serialize(writer, cloudEvent.Data, cloudEvent.Data!.GetType(), SerializerOptions);
            }

            return;
        }

        if (cloudEvent.Data is string text && !IsJson(cloudEvent.DataContentType))
        {
            writer.WriteString(DataPropertyName, text);
            return;
        }

        base.EncodeStructuredModeData(cloudEvent, writer);
    }

    protected override void DecodeStructuredModeDataProperty(JsonElement dataElement, CloudEvent cloudEvent)
    {
        if (IsPlainJson(cloudEvent.DataContentType))
        {
            cloudEvent.Data = dataElement.Clone();
            return;
        }

        base.DecodeStructuredModeDataProperty(dataElement, cloudEvent);
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

    private static bool IsPlainJson(string? contentType)
        => contentType is null || contentType.Equals(MediaTypeNames.Application.Json, StringComparison.OrdinalIgnoreCase);

    // The SDK's structured-mode writer (JsonEventFormatter.WriteCloudEventForBatchOrStructuredMode), which is private.
    private void Write(Utf8JsonWriter writer, CloudEvent cloudEvent)
    {
        writer.WriteStartObject();
        writer.WriteString(CloudEventsSpecVersion.SpecVersionAttribute.Name, cloudEvent.SpecVersion.VersionId);
        foreach (var (attribute, value) in cloudEvent.GetPopulatedAttributes())
        {
            writer.WritePropertyName(attribute.Name);
            switch (CloudEventAttributeTypes.GetOrdinal(attribute.Type))
            {
                case CloudEventAttributeTypeOrdinal.Integer:
                    writer.WriteNumberValue((int)value);
                    break;
                case CloudEventAttributeTypeOrdinal.Boolean:
                    writer.WriteBooleanValue((bool)value);
                    break;
                default:
                    writer.WriteStringValue(value as string ?? attribute.Type.Format(value));
                    break;
            }
        }

        if (cloudEvent.Data is not null)
        {
            if (cloudEvent.DataContentType is null && GetOrInferDataContentType(cloudEvent) is { } inferred)
            {
                cloudEvent.SpecVersion.DataContentTypeAttribute.Validate(inferred);
                writer.WriteString(cloudEvent.SpecVersion.DataContentTypeAttribute.Name, inferred);
            }

            EncodeStructuredModeData(cloudEvent, writer);
        }

        writer.WriteEndObject();
    }

    private bool IsJson(string? contentType)
        => contentType is null || IsJsonMediaType(new ContentType(contentType).MediaType);
}
