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
        var kinds = new StepHistoryKindJsonConverter();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString()!;
            reader.Read();
            switch (name.ToLowerInvariant())
            {
                case "at":
                    at = reader.GetDateTimeOffset();
                    break;
                case "step":
                    step = reader.GetString() ?? string.Empty;
                    break;
                case "kind" or "what":
                    kind = kinds.Read(ref reader, typeof(StepHistoryKind), options);
                    break;
                case "attempt":
                    attempt = reader.GetInt32();
                    break;
                case "reason" or "detail":
                    reason = reader.TokenType == JsonTokenType.Null ? null : reader.GetString();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        return new StepHistoryEntry(at, step, kind ?? throw new JsonException("A step history entry needs a 'kind'."), attempt, reason);
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
}
