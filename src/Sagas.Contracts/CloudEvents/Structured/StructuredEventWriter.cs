using System.Globalization;
using System.Net.Mime;
using System.Text.Json;
using CloudNative.CloudEvents;

namespace Sagas.CloudEvents.Structured;

/// <summary>
/// Writes a structured-mode JSON CloudEvent straight from its attributes and its data object, in one pass, the same JSON
/// the CloudEvents SDK writes for the same event (attributes in the order given, typed extensions as numbers and Booleans).
/// </summary>
/// <remarks>Usage: <see cref="Start"/>, any number of <see cref="Extension"/>, then <see cref="Finish"/>; always dispose.</remarks>
internal ref struct StructuredEventWriter
{
    private static readonly string[] ContextAttributes = ["specversion", "id", "source", "type", "datacontenttype", "dataschema", "subject", "time", "data"];
    private readonly PooledJsonWriter _pooled;

    private StructuredEventWriter(PooledJsonWriter pooled) => _pooled = pooled;

    /// <summary>Starts the event with its context attributes; the data is <c>application/json</c>.</summary>
    /// <exception cref="ArgumentException">An attribute value breaks the CloudEvents rules.</exception>
    public static StructuredEventWriter Start(JsonWriterOptions options, string id, Uri source, string type, Uri? dataSchema, string? subject, DateTimeOffset? time)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentException.ThrowIfNullOrEmpty(type);
        var writer = new StructuredEventWriter(PooledJsonWriter.Rent(options));
        var json = writer._pooled.Json;
        json.WriteStartObject();
        json.WriteString("specversion"u8, "1.0"u8);
        json.WriteString("id"u8, Checked("id", id));
        json.WriteString("source"u8, Checked("source", source.ToString()));
        json.WriteString("type"u8, Checked("type", type));
        if (dataSchema is not null)
        {
            json.WriteString("dataschema"u8, Checked("dataschema", dataSchema.ToString()));
        }

        if (subject is not null)
        {
            json.WriteString("subject"u8, Checked("subject", subject));
        }

        if (time is { } t)
        {
            Span<byte> text = stackalloc byte[Rfc3339.MaxLength];
            json.WriteString("time"u8, text[..Rfc3339.Format(t, text)]);
        }

        json.WriteString("datacontenttype"u8, MediaTypeNames.Application.Json);
        return writer;
    }

    /// <summary>Adds an extension attribute; skipped when <paramref name="value"/> is null or the name was written already.</summary>
    /// <exception cref="ArgumentException">The name or the value breaks the CloudEvents rules.</exception>
    public readonly void Extension(string name, string? value)
    {
        if (value is null || Array.IndexOf(ContextAttributes, name) >= 0 || _pooled.Names.Contains(name))
        {
            return;
        }

        if (!AttributeText.IsValidName(name))
        {
            throw new ArgumentException($"'{name}' is not a CloudEvents attribute name: lower-case letters and digits only.", nameof(name));
        }

        var json = _pooled.Json;
        var type = AttributeText.DeclaredType(name);
        if (type == CloudEventAttributeType.Integer)
        {
            json.WriteNumber(name, int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number)
                ? number
                : throw new ArgumentException($"The '{name}' attribute is an integer; '{value}' is not one.", nameof(value)));
        }
        else if (type == CloudEventAttributeType.Boolean)
        {
            json.WriteBoolean(name, value switch
            {
                "true" => true,
                "false" => false,
                _ => throw new ArgumentException($"The '{name}' attribute is true or false; '{value}' is neither.", nameof(value)),
            });
        }
        else
        {
            json.WriteString(name, Checked(name, value));
        }

        _pooled.Names.Add(name);
    }

    /// <summary>Writes the data, ends the event and returns its bytes.</summary>
    public readonly byte[] Finish(object data, Type dataType, JsonSerializerOptions options)
    {
        var json = _pooled.Json;
        json.WritePropertyName("data"u8);
        JsonSerializer.Serialize(json, data, dataType, options);
        json.WriteEndObject();
        return _pooled.ToArray();
    }

    public readonly void Dispose() => _pooled.Return();

    private static string Checked(string name, string value)
        => AttributeText.IsValidValue(value) ? value : throw new ArgumentException($"The '{name}' attribute holds a control character or an unpaired surrogate, which CloudEvents does not allow.", nameof(value));
}
