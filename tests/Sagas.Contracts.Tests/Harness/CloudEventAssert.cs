using System.Text.Json;
using CloudNative.CloudEvents;

namespace Sagas.Contracts.Tests.Harness;

/// <summary>Compares CloudEvents by their canonical string encodings, and their data by value.</summary>
public static class CloudEventAssert
{
    /// <summary>Every populated attribute, <c>specversion</c> included, as its canonical string (CloudEvents Type System).</summary>
    public static SortedDictionary<string, string> Attributes(CloudEvent cloudEvent)
    {
        var attributes = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["specversion"] = cloudEvent.SpecVersion.VersionId,
        };
        foreach (var (attribute, value) in cloudEvent.GetPopulatedAttributes())
        {
            attributes[attribute.Name] = attribute.Format(value);
        }

        return attributes;
    }

    /// <summary>Same attributes (names and canonical values, nothing missing, nothing extra) and equal data.</summary>
    public static void Equivalent(CloudEvent expected, CloudEvent actual)
    {
        Assert.Equal(Attributes(expected), Attributes(actual));
        SameData(expected.Data, actual.Data);
    }

    /// <summary>JSON data compares as JSON values (whitespace and member order aside), text and bytes exactly.</summary>
    public static void SameData(object? expected, object? actual)
    {
        switch (expected, actual)
        {
            case (null, null):
                return;
            case (JsonElement e, JsonElement a):
                Assert.True(JsonElement.DeepEquals(e, a), $"JSON data differs.\nExpected: {e.GetRawText()}\nActual:   {a.GetRawText()}");
                return;
            case (string e, string a):
                Assert.Equal(e, a);
                return;
            case (byte[] e, byte[] a):
                Assert.Equal(e, a);
                return;
            default:
                Assert.Fail($"Data differs in kind: expected {Describe(expected)}, got {Describe(actual)}.");
                return;
        }
    }

    private static string Describe(object? data) => data switch
    {
        null => "no data",
        JsonElement element => $"JSON {element.ValueKind} {element.GetRawText()}",
        _ => $"{data.GetType().Name} '{data}'",
    };
}
