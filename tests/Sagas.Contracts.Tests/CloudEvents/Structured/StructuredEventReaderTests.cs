using System.Text;
using System.Text.Json;
using CloudNative.CloudEvents;
using Sagas.CloudEvents;
using Sagas.CloudEvents.Structured;
using Sagas.Contracts.Tests.Harness;

namespace Sagas.Contracts.Tests.CloudEvents.Structured;

/// <summary>
/// The one-pass reader agrees with the CloudEvents SDK on every event it takes, and leaves every event of another shape,
/// valid or not, to the SDK (which decodes it or words its rejection).
/// </summary>
public class StructuredEventReaderTests
{
    private static readonly string[] V1Files = ["v1_minimum.yaml", "v1.yaml", "sample1_a.yaml"];
    private readonly CloudEventConverter _converter = new(new ContractRegistry());

    /// <summary>The cloudevents/conformance v1.0 events (see Vectors/SOURCES.md), encoded by the SDK.</summary>
    public static TheoryData<string> ConformanceEventIds => [.. V1Files.SelectMany(ConformanceEvent.Load).Select(e => e.Id)];

    [Theory]
    [MemberData(nameof(ConformanceEventIds))]
    public void A_conformance_event_is_read_as_the_SDK_reads_it_or_left_to_the_SDK(string id)
    {
        var source = V1Files.SelectMany(ConformanceEvent.Load).Single(e => e.Id == id);
        var body = _converter.EncodeStructured(source.ToCloudEvent());
        var sdk = _converter.DecodeStructured(body);

        var read = StructuredEventReader.TryRead(body, out var structured);

        var plainJsonObject = sdk.Data is JsonElement { ValueKind: JsonValueKind.Object } && (sdk.DataContentType ?? "application/json") == "application/json";
        var noData = sdk.Data is null;
        Assert.Equal(plainJsonObject || noData, read);
        if (read)
        {
            AssertSame(sdk, structured!);
        }
    }

    [Fact]
    public void A_saga_event_is_read_with_its_typed_extensions_as_the_SDK_formats_them()
    {
        var body = """
            {"specversion":"1.0","id":"e-1","source":"loopback://localhost/orders","type":"com.example.t.v1","dataschema":"urn:sagas:schema:t","subject":"s-1",
             "time":"2026-12-03T05:30:59.1234567Z","datacontenttype":"application/json","correlationid":"c-1","sagastep":"Reserve","sagaattempt":3,
             "sagacompensate":false,"custom":7,"flag":true,"data":{"a":[1,{"b":"x"}],"c":"\u00e9"}}
            """u8.ToArray();

        Assert.True(StructuredEventReader.TryRead(body, out var structured));

        AssertSame(_converter.DecodeStructured(body), structured!);
        Assert.Equal("""{"a":[1,{"b":"x"}],"c":"\u00e9"}""", Encoding.UTF8.GetString(structured!.Data.Span));
        Assert.Equal("3", structured["sagaattempt"]);
        Assert.Equal("false", structured["sagacompensate"]);
        Assert.Equal("7", structured["custom"]);
        Assert.Equal("true", structured["flag"]);
        Assert.Equal(new DateTimeOffset(2026, 12, 3, 5, 30, 59, TimeSpan.Zero).AddTicks(1234567), structured.Time);
    }

    [Theory]
    [InlineData("2026-12-03T07:30:59.5+02:00")]
    [InlineData("2026-12-03T07:30:59.5\\u002B02:00")] // as the SDK writes an offset
    [InlineData("2026-12-03T05:30:59.5Z")]
    public void A_time_is_read_in_UTC_or_with_its_offset(string time)
    {
        var body = Encoding.UTF8.GetBytes($$"""{"specversion":"1.0","id":"1","source":"/s","type":"t","time":"{{time}}"}""");

        Assert.True(StructuredEventReader.TryRead(body, out var structured));

        Assert.Equal(new DateTimeOffset(2026, 12, 3, 5, 30, 59, 500, TimeSpan.Zero), structured!.Time);
        Assert.Equal(_converter.DecodeStructured(body).Time, structured.Time);
    }

    [Fact]
    public void Null_data_is_no_data()
    {
        Assert.True(StructuredEventReader.TryRead("""{"specversion":"1.0","id":"1","source":"/s","type":"t","data":null}"""u8.ToArray(), out var structured));

        Assert.True(structured!.Data.IsEmpty);
    }

    [Theory]
    [InlineData("not an object", """["specversion"]""")]
    [InlineData("another spec version", """{"specversion":"0.3","id":"1","source":"/s","type":"t"}""")]
    [InlineData("no spec version", """{"id":"1","source":"/s","type":"t"}""")]
    [InlineData("no id", """{"specversion":"1.0","source":"/s","type":"t"}""")]
    [InlineData("an empty source", """{"specversion":"1.0","id":"1","source":"","type":"t"}""")]
    [InlineData("a number as id", """{"specversion":"1.0","id":1,"source":"/s","type":"t"}""")]
    [InlineData("an attribute twice", """{"specversion":"1.0","id":"1","id":"2","source":"/s","type":"t"}""")]
    [InlineData("an extension twice", """{"specversion":"1.0","id":"1","source":"/s","type":"t","x":"a","x":"b"}""")]
    [InlineData("an upper-case extension name", """{"specversion":"1.0","id":"1","source":"/s","type":"t","Ab":"x"}""")]
    [InlineData("an object as extension", """{"specversion":"1.0","id":"1","source":"/s","type":"t","x":{}}""")]
    [InlineData("a string as sagaattempt", """{"specversion":"1.0","id":"1","source":"/s","type":"t","sagaattempt":"2"}""")]
    [InlineData("a number as sagastep", """{"specversion":"1.0","id":"1","source":"/s","type":"t","sagastep":2}""")]
    [InlineData("a control character", """{"specversion":"1.0","id":"1\u0001","source":"/s","type":"t"}""")]
    [InlineData("a delete character", """{"specversion":"1.0","id":"1","source":"/s","type":"t","subject":"a\u007f"}""")]
    [InlineData("a C1 control character", """{"specversion":"1.0","id":"1","source":"/s","type":"t","subject":"caf\u00e9\u0085"}""")]
    [InlineData("a time with no zone", """{"specversion":"1.0","id":"1","source":"/s","type":"t","time":"2026-12-03T05:30:59"}""")]
    [InlineData("a date for time", """{"specversion":"1.0","id":"1","source":"/s","type":"t","time":"2026-12-03"}""")]
    [InlineData("a relative dataschema", """{"specversion":"1.0","id":"1","source":"/s","type":"t","dataschema":"schemas/t"}""")]
    [InlineData("text data", """{"specversion":"1.0","id":"1","source":"/s","type":"t","datacontenttype":"text/plain","data":"hi"}""")]
    [InlineData("array data", """{"specversion":"1.0","id":"1","source":"/s","type":"t","data":[1]}""")]
    [InlineData("string data", """{"specversion":"1.0","id":"1","source":"/s","type":"t","data":"x"}""")]
    [InlineData("base64 data", """{"specversion":"1.0","id":"1","source":"/s","type":"t","data_base64":"AAE="}""")]
    [InlineData("trailing content", """{"specversion":"1.0","id":"1","source":"/s","type":"t"} {}""")]
    [InlineData("broken JSON", """{"specversion":"1.0","id":"1","source":"/s","type":""")]
    public void An_event_of_another_shape_is_left_to_the_SDK(string shape, string body)
    {
        Assert.False(StructuredEventReader.TryRead(Encoding.UTF8.GetBytes(body), out _), shape);
    }

    [Fact]
    public void Attribute_values_beyond_ASCII_are_read()
    {
        const string body = """{"specversion":"1.0","id":"1","source":"/s","type":"t","subject":"caf\u00e9 \ud83d\ude00 ~"}""";

        Assert.True(StructuredEventReader.TryRead(Encoding.UTF8.GetBytes(body), out var structured));
        Assert.Equal("caf\u00e9 \ud83d\ude00 ~", structured!.Subject);
    }

    private static void AssertSame(CloudEvent sdk, StructuredEvent structured)
    {
        Assert.Equal(sdk.Id, structured.Id);
        Assert.Equal(sdk.Source!.ToString(), structured.SourceText);
        Assert.Equal(sdk.Source, structured.Source);
        Assert.Equal(sdk.Type, structured.Type);
        Assert.Equal(sdk.Subject, structured.Subject);
        Assert.Equal(sdk.Time, structured.Time);
        Assert.Equal(sdk.DataContentType, structured.DataContentType);
        Assert.Equal(
            sdk.GetPopulatedAttributes().Where(a => a.Key.IsExtension).Select(a => (a.Key.Name, a.Key.Format(a.Value))).OrderBy(a => a.Name),
            structured.Extensions.Select(e => (e.Key, e.Value)).OrderBy(e => e.Key));
        if (sdk.Data is JsonElement element)
        {
            Assert.Equal(element.GetRawText(), Encoding.UTF8.GetString(structured.Data.Span));
        }
        else
        {
            Assert.True(structured.Data.IsEmpty);
        }
    }
}
