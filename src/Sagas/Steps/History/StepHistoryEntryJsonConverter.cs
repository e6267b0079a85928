using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sagas.Steps;

/// <summary>
/// Writes a <see cref="StepHistoryEntry"/> with the serializer's naming policy, and reads it back whatever the casing, also
/// in the shape stored before the kind was typed (<c>what</c>, <c>detail</c>).
/// </summary>
internal sealed class StepHistoryEntryJsonConverter : JsonConverter<StepHistoryEntry>
{
    public override StepHistoryEntry Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("A step history entry is a JSON object.");
        }

        DateTimeOffset at = default;
        string step = string.Empty;
        StepHistoryKind? kind = null;
        var attempt = 0;
        string? reason = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var property = PropertyOf(ref reader);
            reader.Read();
            switch (property)
            {
                case Property.At:
                    at = reader.GetDateTimeOffset();
                    break;
                case Property.Step:
                    step = reader.GetString() ?? string.Empty;
                    break;
                case Property.Kind:
                    kind = StepHistoryKindJsonConverter.ReadKind(ref reader);
                    break;
                case Property.Attempt:
                    attempt = reader.GetInt32();
                    break;
                case Property.Reason:
                    reason = reader.TokenType == JsonTokenType.Null ? null : reader.GetString();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        return new StepHistoryEntry(at, step, kind ?? throw new JsonException("A step history entry needs a 'kind'."), attempt, reason);
    }

    // Which property the reader is on, whatever its casing, without allocating the name when it is short (history is read
    // on every load); a longer one (escaped, say) is read as a string.
    private static Property PropertyOf(ref Utf8JsonReader reader)
    {
        const int longest = 16; // the escaped name is never shorter than the name: a short one fits once unescaped
        Span<byte> buffer = stackalloc byte[longest];
        ReadOnlySpan<byte> name = (reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length) <= longest
            ? buffer[..reader.CopyString(buffer)]
            : Encoding.UTF8.GetBytes(reader.GetString()!);
        return Ascii.EqualsIgnoreCase(name, "at"u8) ? Property.At
            : Ascii.EqualsIgnoreCase(name, "step"u8) ? Property.Step
            : Ascii.EqualsIgnoreCase(name, "kind"u8) || Ascii.EqualsIgnoreCase(name, "what"u8) ? Property.Kind
            : Ascii.EqualsIgnoreCase(name, "attempt"u8) ? Property.Attempt
            : Ascii.EqualsIgnoreCase(name, "reason"u8) || Ascii.EqualsIgnoreCase(name, "detail"u8) ? Property.Reason
            : Property.Other;
    }

    public override void Write(Utf8JsonWriter writer, StepHistoryEntry value, JsonSerializerOptions options)
    {
        string Name(string property) => options.PropertyNamingPolicy?.ConvertName(property) ?? property;
        writer.WriteStartObject();
        writer.WriteString(Name(nameof(StepHistoryEntry.At)), value.At);
        writer.WriteString(Name(nameof(StepHistoryEntry.Step)), value.Step);
        writer.WriteString(Name(nameof(StepHistoryEntry.Kind)), StepHistoryKindJsonConverter.NameOf(value.Kind));
        writer.WriteNumber(Name(nameof(StepHistoryEntry.Attempt)), value.Attempt);
        if (value.Reason is null)
        {
            writer.WriteNull(Name(nameof(StepHistoryEntry.Reason)));
        }
        else
        {
            writer.WriteString(Name(nameof(StepHistoryEntry.Reason)), value.Reason);
        }

        writer.WriteEndObject();
    }

    private enum Property
    {
        Other,
        At,
        Step,
        Kind,
        Attempt,
        Reason,
    }
}
