using System.Text.Json;
using Sagas.CloudEvents;
using Sagas.Contracts.Tests.Checkout;
using Sagas.Contracts.Tests.Harness;

namespace Sagas.Contracts.Tests.CloudEvents;

/// <summary>
/// W3C traceparent validation against tracing/w3c-traceparent-vectors.json, and the CloudEvents Distributed
/// Tracing extension as the converter writes and reads it.
/// </summary>
public class TraceContextTests
{
    private static readonly Lazy<JsonElement> Vectors = new(() =>
        JsonSerializer.Deserialize<JsonElement>(VectorFiles.ReadText("tracing/w3c-traceparent-vectors.json")));

    public static TheoryData<string> ValidTraceParents => [.. Vectors.Value.GetProperty("valid").EnumerateArray().Select(v => v.GetProperty("value").GetString()!)];

    /// <summary>The spec's first example, "caller sampled".</summary>
    private static string SampledTraceParent => Vectors.Value.GetProperty("valid")[0].GetProperty("value").GetString()!;

    public static TheoryData<string> InvalidTraceParents => [.. Vectors.Value.GetProperty("invalid_derived_from_rules").EnumerateArray().Select(v => v.GetProperty("value").GetString()!)];

    public static TheoryData<string> TraceStates => [.. Vectors.Value.GetProperty("tracestate_examples").EnumerateArray().Select(v => v.GetString()!)];

    [Theory]
    [MemberData(nameof(ValidTraceParents))]
    public void Valid_vector_is_accepted(string traceParent)
    {
        Assert.True(TraceContext.IsValidTraceParent(traceParent));
    }

    [Theory]
    [MemberData(nameof(InvalidTraceParents))]
    public void Invalid_vector_is_refused(string traceParent)
    {
        Assert.False(TraceContext.IsValidTraceParent(traceParent));
    }

    /// <summary>Cases derived here from the W3C rules quoted in cloudevents-rules.md (not upstream vectors).</summary>
    [Theory]
    [InlineData(null, false)]
    [InlineData("", false)]
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-", false)] // version 00 is exactly 55 characters
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0G", false)] // flags are hex
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-00F067AA0BA902B7-01", false)] // parent-id is lower-case hex
    [InlineData("00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", false)] // dashes at fixed positions
    [InlineData("0g-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", false)] // version is hex
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-ff", true)] // unknown flags are masked, not refused
    [InlineData("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", true)] // a higher version of exactly 55 characters
    [InlineData("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-will-be-like", true)] // future fields after a dash
    [InlineData("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01.what-the-future-will-be-like", false)] // ... but only after a dash
    public void Rules_of_the_w3c_format_are_applied(string? traceParent, bool valid)
    {
        Assert.Equal(valid, TraceContext.IsValidTraceParent(traceParent));
    }

    [Theory]
    [MemberData(nameof(TraceStates))]
    public void Valid_traceparent_is_written_with_its_tracestate(string traceState)
    {
        var traceParent = SampledTraceParent;

        var cloudEvent = Converter().ToCloudEvent(new Ping("hello"), Metadata(traceParent, traceState));

        Assert.Equal(traceParent, cloudEvent[SagaAttributes.TraceParent]);
        Assert.Equal(traceState, cloudEvent[SagaAttributes.TraceState]);
    }

    [Theory]
    [MemberData(nameof(InvalidTraceParents))]
    [InlineData("")]
    [InlineData("not-a-traceparent")]
    public void Invalid_traceparent_is_not_written_and_neither_is_its_tracestate(string traceParent)
    {
        var cloudEvent = Converter().ToCloudEvent(new Ping("hello"), Metadata(traceParent, "congo=t61rcWkgMzE"));

        Assert.Null(cloudEvent[SagaAttributes.TraceParent]);
        Assert.Null(cloudEvent[SagaAttributes.TraceState]);
    }

    [Fact]
    public void Tracestate_without_a_traceparent_is_not_written()
    {
        var cloudEvent = Converter().ToCloudEvent(new Ping("hello"), Metadata(null, "congo=t61rcWkgMzE"));

        Assert.Null(cloudEvent[SagaAttributes.TraceParent]);
        Assert.Null(cloudEvent[SagaAttributes.TraceState]);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Valid_traceparent_without_tracestate_is_written_alone(string? traceState)
    {
        var traceParent = SampledTraceParent;

        var cloudEvent = Converter().ToCloudEvent(new Ping("hello"), Metadata(traceParent, traceState));

        Assert.Equal(traceParent, cloudEvent[SagaAttributes.TraceParent]);
        Assert.Null(cloudEvent[SagaAttributes.TraceState]);
    }

    /// <summary>
    /// The spec's HTTP example (tracing/cloudevents-distributed-tracing-http-example.txt): the ce-traceparent
    /// header is the extension (the starting trace); the plain traceparent/tracestate headers are the current
    /// hop's and must not leak into the event.
    /// </summary>
    [Fact]
    public async Task Ce_traceparent_header_is_the_extension_and_the_protocol_trace_headers_are_not()
    {
        using var request = CurlExample();

        var decoded = await Converter().FromHttpRequestAsync(request);

        Assert.Equal("00-0af7651916cd43dd8448eb211c80319c-b9c7c989f97918e1-01", decoded[SagaAttributes.TraceParent]);
        Assert.Null(decoded[SagaAttributes.TraceState]);
        Assert.True(TraceContext.IsValidTraceParent((string?)decoded[SagaAttributes.TraceParent]));
        Assert.Equal(("1", "example", "http://localhost/"), (decoded.Id, decoded.Type, decoded.Source?.ToString()));
        Assert.Null(decoded.Data);
    }

    private static CloudEventConverter Converter() => new(new ContractRegistry().Add<Ping>());

    private static EventMetadata Metadata(string? traceParent, string? traceState) => new()
    {
        Id = "1",
        Source = new Uri("/tests", UriKind.Relative),
        TraceParent = traceParent,
        TraceState = traceState,
    };

    /// <summary>
    /// Turns the curl command into the request a server receives. Each <c>-H '...'</c> argument is a header; the
    /// last one closes with a backtick (a typo in the spec, see the file's comment), which is not part of the value.
    /// </summary>
    private static HttpRequestMessage CurlExample()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "http://localhost/example/webhook.json");
        var lines = VectorFiles.ReadText("tracing/cloudevents-distributed-tracing-http-example.txt").Split('\n');
        foreach (var line in lines.Where(l => l.StartsWith("-H '", StringComparison.Ordinal)))
        {
            var header = line["-H '".Length..].TrimEnd(' ', '\\').TrimEnd('\'', '`');
            var colon = header.IndexOf(':', StringComparison.Ordinal);
            Assert.True(request.Headers.TryAddWithoutValidation(header[..colon], header[(colon + 1)..].Trim()));
        }

        Assert.Equal(7, request.Headers.Count());
        return request;
    }
}
