using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using CloudNative.CloudEvents;

namespace Sagas.CloudEvents.Structured;

/// <summary>
/// Reads a structured-mode JSON CloudEvent in one pass over its bytes, keeping the data as the JSON slice it is. Only the
/// plain shape is taken (spec version 1.0, string attributes, integer and Boolean extensions, JSON data or none); anything
/// else, valid or not, is left to the CloudEvents SDK's reader, which also words the errors.
/// </summary>
internal static class StructuredEventReader
{
    private const int MaxCachedUris = 1024;
    private static readonly ConcurrentDictionary<string, (Uri Uri, string Text)> Uris = new(StringComparer.Ordinal);

    /// <summary>Reads <paramref name="body"/>; false when it is not of the plain shape (the SDK then reads it).</summary>
    public static bool TryRead(ReadOnlyMemory<byte> body, out StructuredEvent? structured)
    {
        structured = null;
        try
        {
            return TryReadCore(body, out structured);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static bool TryReadCore(ReadOnlyMemory<byte> body, out StructuredEvent? structured)
    {
        structured = null;
        var reader = new Utf8JsonReader(body.Span);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        string? specVersion = null, id = null, source = null, type = null, subject = null, dataContentType = null, dataSchema = null;
        DateTimeOffset? time = null;
        var hasData = false;
        var data = ReadOnlyMemory<byte>.Empty;
        var extensions = new List<KeyValuePair<string, string>>(8);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("data"u8))
            {
                if (hasData || !reader.Read())
                {
                    return false;
                }

                hasData = true;
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    data = body[start..(int)reader.BytesConsumed];
                }
                else if (reader.TokenType != JsonTokenType.Null)
                {
                    return false; // not an object: the SDK's reader and the contract say why
                }

                continue;
            }

            var set = reader.ValueTextEquals("specversion"u8) ? TryString(ref reader, ref specVersion)
                : reader.ValueTextEquals("id"u8) ? TryString(ref reader, ref id)
                : reader.ValueTextEquals("source"u8) ? TryString(ref reader, ref source)
                : reader.ValueTextEquals("type"u8) ? TryString(ref reader, ref type)
                : reader.ValueTextEquals("subject"u8) ? TryString(ref reader, ref subject)
                : reader.ValueTextEquals("time"u8) ? TryTime(ref reader, ref time)
                : reader.ValueTextEquals("datacontenttype"u8) ? TryString(ref reader, ref dataContentType)
                : reader.ValueTextEquals("dataschema"u8) ? TryString(ref reader, ref dataSchema)
                : TryExtension(ref reader, extensions);
            if (!set)
            {
                return false;
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
        {
            return false; // trailing content
        }

        if (specVersion != "1.0" || string.IsNullOrEmpty(id) || string.IsNullOrEmpty(type) || string.IsNullOrEmpty(source)
            || (dataContentType is not null && !dataContentType.Equals("application/json", StringComparison.OrdinalIgnoreCase))
            || (dataSchema is not null && !(TryUri(dataSchema, out var schema) && schema.Uri.IsAbsoluteUri))
            || !TryUri(source, out var parsedSource))
        {
            return false;
        }

        structured = new StructuredEvent
        {
            Id = id,
            Source = parsedSource.Uri,
            SourceText = parsedSource.Text,
            Type = type,
            Subject = subject,
            Time = time,
            DataContentType = dataContentType,
            Extensions = extensions,
            Data = data,
        };
        return true;
    }

    private static bool TryString(ref Utf8JsonReader reader, ref string? value)
    {
        if (value is not null || !reader.Read() || reader.TokenType != JsonTokenType.String)
        {
            return false;
        }

        value = reader.GetString()!;
        return AttributeText.IsValidValue(value);
    }

    private static bool TryExtension(ref Utf8JsonReader reader, List<KeyValuePair<string, string>> extensions)
    {
        var name = reader.GetString()!;
        if (!AttributeText.IsValidName(name) || !reader.Read())
        {
            return false;
        }

        foreach (var (key, _) in extensions)
        {
            if (key == name)
            {
                return false; // twice: the SDK's reader words it
            }
        }

        var declared = AttributeText.DeclaredType(name);
        string text;
        switch (reader.TokenType)
        {
            case JsonTokenType.String when declared is null || declared == CloudEventAttributeType.String:
                text = reader.GetString()!;
                if (!AttributeText.IsValidValue(text))
                {
                    return false;
                }

                break;
            case JsonTokenType.Number when (declared is null || declared == CloudEventAttributeType.Integer) && reader.TryGetInt32(out var number):
                text = number.ToString(CultureInfo.InvariantCulture);
                break;
            case JsonTokenType.True when declared is null || declared == CloudEventAttributeType.Boolean:
                text = "true";
                break;
            case JsonTokenType.False when declared is null || declared == CloudEventAttributeType.Boolean:
                text = "false";
                break;
            default:
                return false;
        }

        extensions.Add(new(name, text));
        return true;
    }

    /// <summary>A URI-reference and its text as the SDK formats it; producers and schemas are few, so kept.</summary>
    private static bool TryUri(string text, out (Uri Uri, string Text) source)
    {
        if (Uris.TryGetValue(text, out source))
        {
            return true;
        }

        if (!Uri.TryCreate(text, UriKind.RelativeOrAbsolute, out var uri))
        {
            return false;
        }

        source = (uri, uri.ToString());
        if (Uris.Count < MaxCachedUris)
        {
            Uris.TryAdd(text, source); // any beyond the first thousand are parsed each time
        }

        return true;
    }

    private static bool TryTime(ref Utf8JsonReader reader, ref DateTimeOffset? time)
    {
        if (time is not null || !reader.Read() || reader.TokenType != JsonTokenType.String)
        {
            return false;
        }

        // RFC 3339: a full date-time with 'Z' or an offset; the ISO 8601 parse below alone would take less. The SDK writes
        // an offset's '+' escaped.
        var text = reader.ValueIsEscaped ? Encoding.UTF8.GetBytes(reader.GetString()!) : reader.ValueSpan;
        var zoned = text.Length > 19 && text[10] == (byte)'T' && (text[^1] == (byte)'Z' || (text[^6] is (byte)'+' or (byte)'-' && text[^3] == (byte)':'));
        if (!zoned || !reader.TryGetDateTimeOffset(out var parsed))
        {
            return false;
        }

        time = parsed;
        return true;
    }
}
