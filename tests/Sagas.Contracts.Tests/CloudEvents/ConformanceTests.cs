using System.Text;
using CloudNative.CloudEvents;
using Sagas.CloudEvents;
using Sagas.Contracts.Tests.Harness;

namespace Sagas.Contracts.Tests.CloudEvents;

/// <summary>
/// The CloudEvents 1.0 events of the cloudevents/conformance YAML files survive every encoding the converter
/// offers: JSON structured mode, and the HTTP binding in binary and structured mode.
/// </summary>
public class ConformanceTests
{
    private static readonly string[] V1Files = ["v1_minimum.yaml", "v1.yaml", "sample1_a.yaml"];

    private static readonly Lazy<IReadOnlyList<ConformanceEvent>> V1Events = new(() => [.. V1Files.SelectMany(ConformanceEvent.Load)]);

    private readonly CloudEventConverter _converter = new(new ContractRegistry());

    /// <summary>One case per event id; the ids are unique across the three files.</summary>
    public static TheoryData<string> V1EventIds => [.. V1Events.Value.Select(e => e.Id)];

    [Fact]
    public void The_v1_files_hold_the_nine_events_the_sources_describe()
    {
        Assert.Equal(
            ["conformance-0001", "conformance-0002", "conformance-0003", "conformance-0004", "conformance-0005", "conformance-0006", "4321-4321-4321", "4321-4321-4321-a", "4321-4321-4321-b"],
            V1Events.Value.Select(e => e.Id));
        Assert.All(V1Events.Value, e => Assert.Equal("1.0", e.SpecVersion));
    }

    [Theory]
    [MemberData(nameof(V1EventIds))]
    public void Event_survives_structured_mode(string id)
    {
        var source = Find(id);
        var original = source.ToCloudEvent();

        var decoded = _converter.DecodeStructured(_converter.EncodeStructured(original));

        AssertSurvived(source, original, decoded);
    }

    [Theory]
    [MemberData(nameof(V1EventIds))]
    public async Task Event_survives_http_binary_mode(string id)
    {
        var source = Find(id);
        var original = source.ToCloudEvent();
        using var request = new HttpRequestMessage(HttpMethod.Post, "http://localhost/events")
        {
            Content = _converter.ToHttpContent(original, ContentMode.Binary),
        };
        foreach (var (name, value) in source.TransportExtensions)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        Assert.Equal(source.DataContentType ?? "application/json", request.Content.Headers.ContentType?.ToString());
        Assert.False(request.Content.Headers.Contains("ce-datacontenttype"), "binary mode carries datacontenttype in Content-Type only");
        var decoded = await _converter.FromHttpRequestAsync(request);

        AssertSurvived(source, original, decoded);
    }

    [Theory]
    [MemberData(nameof(V1EventIds))]
    public async Task Event_survives_http_structured_mode(string id)
    {
        var source = Find(id);
        var original = source.ToCloudEvent();
        using var request = new HttpRequestMessage(HttpMethod.Post, "http://localhost/events")
        {
            Content = _converter.ToHttpContent(original, ContentMode.Structured),
        };

        Assert.Equal(CloudEventConverter.StructuredContentType, request.Content.Headers.ContentType?.MediaType);
        var decoded = await _converter.FromHttpRequestAsync(request);

        AssertSurvived(source, original, decoded);
    }

    [Fact]
    public async Task Transport_extensions_stay_http_headers_and_do_not_become_attributes()
    {
        var source = Find("4321-4321-4321");
        Assert.Equal("foo", source.TransportExtensions["user-agent"]);
        using var request = new HttpRequestMessage(HttpMethod.Post, "http://localhost/events")
        {
            Content = _converter.ToHttpContent(source.ToCloudEvent(), ContentMode.Binary),
        };
        request.Headers.TryAddWithoutValidation("user-agent", "foo");

        var decoded = await _converter.FromHttpRequestAsync(request);

        Assert.DoesNotContain(decoded.GetPopulatedAttributes(), a => a.Key.Name.Contains("agent", StringComparison.Ordinal));
    }

    [Fact]
    public void Text_data_keeps_its_trailing_line_feed_and_non_ascii_characters()
    {
        var decoded = _converter.DecodeStructured(_converter.EncodeStructured(Find("conformance-0002").ToCloudEvent()));

        Assert.Equal("Hello, 🌎!\n", decoded.Data);
    }

    [Fact]
    public void Xml_data_is_binary_and_travels_as_data_base64_in_structured_mode()
    {
        var original = Find("conformance-0006").ToCloudEvent();

        var json = Encoding.UTF8.GetString(_converter.EncodeStructured(original).Span);

        Assert.Contains("\"data_base64\":", json, StringComparison.Ordinal);
        Assert.Equal("<msg>Hello, 🌎!</msg>\n", Encoding.UTF8.GetString((byte[])_converter.DecodeStructured(Encoding.UTF8.GetBytes(json)).Data!));
    }

    /// <summary>
    /// The v0.3 files are out of scope; the converter speaks CloudEvents 1.0 only, so a 0.3 event is recognised
    /// by its specversion and rejected with the version named rather than misread as 1.0.
    /// </summary>
    [Theory]
    [InlineData("v03_minimum.yaml")]
    [InlineData("v3.yaml")]
    public async Task A_v0_3_event_is_recognised_as_0_3_and_rejected_with_the_version_named(string file)
    {
        foreach (var source in ConformanceEvent.Load(file))
        {
            Assert.Equal("0.3", source.SpecVersion);
            using var request = new HttpRequestMessage(HttpMethod.Post, "http://localhost/events")
            {
                Content = new StringContent(source.Data ?? "", Encoding.UTF8),
            };
            request.Headers.TryAddWithoutValidation("ce-specversion", source.SpecVersion);
            foreach (var (name, value) in source.Attributes.Where(a => a.Key != "datacontenttype"))
            {
                request.Headers.TryAddWithoutValidation("ce-" + name, value.Trim());
            }

            var rejected = await Assert.ThrowsAsync<CloudEventRejectedException>(() => _converter.FromHttpRequestAsync(request));

            Assert.Contains("'0.3'", Assert.Single(rejected.Reasons), StringComparison.Ordinal);
        }
    }

    private static ConformanceEvent Find(string id) => V1Events.Value.Single(e => e.Id == id);

    private static void AssertSurvived(ConformanceEvent source, CloudEvent original, CloudEvent decoded)
    {
        // Every attribute and extension of the YAML, by its canonical string; a JSON event without
        // datacontenttype comes back with the implied application/json set explicitly (JSON format 3.1.2).
        var expected = CloudEventAssert.Attributes(original);
        expected["datacontenttype"] = source.DataContentType ?? "application/json";
        foreach (var (name, value) in source.Attributes.Concat(source.Extensions))
        {
            Assert.Equal(value.Trim(), expected[name]);
        }

        Assert.Equal(expected, CloudEventAssert.Attributes(decoded));
        CloudEventAssert.SameData(original.Data, decoded.Data);
    }
}
