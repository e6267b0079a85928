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

    public static string NameOf(StepHistoryKind kind) => Names[kind];

    public override StepHistoryKind Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        => reader.GetString() is { } name && Kinds.TryGetValue(name, out var kind)
            ? kind
            : throw new JsonException($"'{reader.GetString()}' is not a step history kind; expected one of {string.Join(", ", Names.Values)}.");

    public override void Write(Utf8JsonWriter writer, StepHistoryKind value, JsonSerializerOptions options)
        => writer.WriteStringValue(Names[value]);
}
