using System.Text.Json;
using Sagas.Steps;

namespace Sagas.Tests.Steps.History;

/// <summary>History entries are stored in the serializer's casing and read back whatever the casing, also in the shape stored before the kind was typed.</summary>
public sealed class StepHistoryEntryJsonConverterTests
{
    private static readonly StepHistoryEntry Entry = new(new DateTimeOffset(2026, 12, 6, 10, 0, 0, TimeSpan.Zero), "Reserve", StepHistoryKind.RetryScheduled, 2, "in 00:00:01");

    public static TheoryData<string> Defaults => [nameof(JsonSerializerDefaults.General), nameof(JsonSerializerDefaults.Web)];

    [Theory]
    [MemberData(nameof(Defaults))]
    public void An_entry_round_trips_in_the_serializer_casing(string defaults)
    {
        var options = new JsonSerializerOptions(Enum.Parse<JsonSerializerDefaults>(defaults));

        var json = JsonSerializer.Serialize(Entry, options);

        var at = defaults == nameof(JsonSerializerDefaults.Web) ? "at" : "At";
        Assert.StartsWith($"{{\"{at}\":", json, StringComparison.Ordinal);
        Assert.Contains("\"retry-scheduled\"", json, StringComparison.Ordinal);
        Assert.Equal(Entry, JsonSerializer.Deserialize<StepHistoryEntry>(json, options));
    }

    [Theory]
    [InlineData("""{"AT":"2026-12-06T10:00:00+00:00","sTeP":"Reserve","KIND":"retry-scheduled","Attempt":2,"REASON":"in 00:00:01"}""")]
    [InlineData("""{"at":"2026-12-06T10:00:00+00:00","step":"Reserve","what":"retry-scheduled","attempt":2,"detail":"in 00:00:01"}""")]
    [InlineData("""{"\u0061t":"2026-12-06T10:00:00+00:00","step":"Reserve","kind":"retry-scheduled","attempt":2,"reason":"in 00:00:01","a-property-added-later":{"x":[1,2]}}""")]
    public void An_entry_is_read_whatever_the_casing_escaping_or_older_names_and_unknown_properties_are_skipped(string json)
    {
        Assert.Equal(Entry, JsonSerializer.Deserialize<StepHistoryEntry>(json));
    }

    [Fact]
    public void A_property_name_escaped_past_the_short_buffer_is_still_recognised()
    {
        const string json = """{"at":"2026-12-06T10:00:00+00:00","step":"Reserve","kind":"retry-scheduled","\u0061\u0074\u0074\u0065\u006d\u0070\u0074":2,"reason":"in 00:00:01"}""";

        Assert.Equal(Entry, JsonSerializer.Deserialize<StepHistoryEntry>(json));
    }

    [Fact]
    public void An_entry_read_from_a_sequence_of_one_byte_segments_is_read_whole()
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(Entry);
        var reader = new Utf8JsonReader(OneByteSegments.Of(json));

        Assert.Equal(Entry, JsonSerializer.Deserialize<StepHistoryEntry>(ref reader));
    }

    [Fact]
    public void An_entry_without_a_kind_is_refused()
    {
        var error = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<StepHistoryEntry>("""{"at":"2026-12-06T10:00:00+00:00","step":"Reserve","attempt":1}"""));

        Assert.Contains("needs a 'kind'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"rescheduled\"", "'rescheduled' is not a step history kind")]
    [InlineData("\"a-kind-name-far-longer-than-any-of-the-kinds\"", "'a-kind-name-far-longer-than-any-of-the-kinds' is not a step history kind")]
    [InlineData("3", "a JSON Number is not a step history kind")]
    public void An_unknown_kind_is_refused_naming_it_and_the_kinds(string kind, string expected)
    {
        var error = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<StepHistoryEntry>($$"""{"at":"2026-12-06T10:00:00+00:00","step":"Reserve","kind":{{kind}},"attempt":1}"""));

        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains("retry-scheduled", error.Message, StringComparison.Ordinal);
    }
}
