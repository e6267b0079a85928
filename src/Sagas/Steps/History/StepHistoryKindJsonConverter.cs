using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sagas.Steps;

/// <summary>Reads and writes <see cref="StepHistoryKind"/> in kebab case (<c>retry-scheduled</c>), the names the history always had.</summary>
internal sealed class StepHistoryKindJsonConverter : JsonConverter<StepHistoryKind>
{
    private static readonly FrozenDictionary<StepHistoryKind, string> Names = Enum.GetValues<StepHistoryKind>()
        .ToFrozenDictionary(k => k, k => JsonNamingPolicy.KebabCaseLower.ConvertName(k.ToString()));

    private static readonly FrozenDictionary<string, StepHistoryKind> Kinds = Names.ToFrozenDictionary(n => n.Value, n => n.Key, StringComparer.Ordinal);

    private static readonly FrozenDictionary<string, StepHistoryKind>.AlternateLookup<ReadOnlySpan<char>> KindsBySpan = Kinds.GetAlternateLookup<ReadOnlySpan<char>>();

    public static string NameOf(StepHistoryKind kind) => Names[kind];

    /// <summary>Reads the kind the reader is on, without allocating its name when it is one.</summary>
    /// <exception cref="JsonException">Not a string naming a kind; the message lists the kinds.</exception>
    public static StepHistoryKind ReadKind(ref Utf8JsonReader reader)
    {
        const int longest = 32; // "ignored-stale-reply" and the rest, with room
        if (reader.TokenType == JsonTokenType.String)
        {
            var length = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
            Span<char> buffer = stackalloc char[longest];
            var found = length <= longest ? KindsBySpan.TryGetValue(buffer[..reader.CopyString(buffer)], out var kind) : Kinds.TryGetValue(reader.GetString()!, out kind);
            if (found)
            {
                return kind;
            }
        }

        var what = reader.TokenType == JsonTokenType.String ? $"'{reader.GetString()}'" : $"a JSON {reader.TokenType}";
        throw new JsonException($"{what} is not a step history kind; expected one of {string.Join(", ", Names.Values)}.");
    }

    public override StepHistoryKind Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => ReadKind(ref reader);

    public override void Write(Utf8JsonWriter writer, StepHistoryKind value, JsonSerializerOptions options)
        => writer.WriteStringValue(Names[value]);
}
