using System.Text.Json;
using CloudNative.CloudEvents;
using Sagas.CloudEvents;
using Sagas.Contracts.Tests.Harness;

namespace Sagas.Contracts.Tests.CloudEvents;

/// <summary>
/// HTTP binary mode header values (http-protocol-binding.md 3.1.3.2): percent-encoding of space, double quote,
/// percent and everything outside U+0021-U+007E as UTF-8 (upper-case hex), and the matching decoding.
/// </summary>
public class HttpHeaderEncodingTests
{
    private const string Extension = "comexampleextension1";

    private static readonly Lazy<JsonElement[]> Vectors = new(() =>
        JsonSerializer.Deserialize<JsonElement[]>(VectorFiles.ReadText("cloudevents-spec-examples/http-header-percent-encoding-vectors.json"))!);

    private readonly CloudEventConverter _converter = new(new ContractRegistry());

    /// <summary>The worked example: "Euro € 😀" and its encoding.</summary>
    private static (string Decoded, string Encoded) EuroExample
    {
        get
        {
            var vector = Vectors.Value.Single(v => v.TryGetProperty("decoded", out _));
            return (vector.GetProperty("decoded").GetString()!, vector.GetProperty("encoded").GetString()!);
        }
    }

    [Fact]
    public void Binary_mode_percent_encodes_an_extension_value_as_the_spec_example_says()
    {
        var cloudEvent = Event();
        cloudEvent[Extension] = EuroExample.Decoded;

        using var request = new HttpRequestMessage(HttpMethod.Post, "http://localhost/events")
        {
            Content = _converter.ToHttpContent(cloudEvent, ContentMode.Binary),
        };

        Assert.Equal(EuroExample.Encoded, HeaderValue(request, "ce-" + Extension));
    }

    [Fact]
    public async Task Binary_mode_decoding_restores_the_spec_example_value()
    {
        using var request = Request(EuroExample.Encoded);

        var decoded = await _converter.FromHttpRequestAsync(request);

        Assert.Equal(EuroExample.Decoded, decoded[Extension]);
    }

    [Fact]
    public async Task Binary_mode_round_trip_restores_the_spec_example_value()
    {
        var cloudEvent = Event();
        cloudEvent[Extension] = EuroExample.Decoded;
        using var request = new HttpRequestMessage(HttpMethod.Post, "http://localhost/events")
        {
            Content = _converter.ToHttpContent(cloudEvent, ContentMode.Binary),
        };

        var decoded = await _converter.FromHttpRequestAsync(request);

        Assert.Equal(EuroExample.Decoded, decoded[Extension]);
    }

    [Fact]
    public async Task Overlong_utf8_from_the_spec_example_is_rejected()
    {
        var vector = Vectors.Value.Single(v => v.TryGetProperty("expect", out var expect) && expect.GetString() == "reject");
        using var request = Request(vector.GetProperty("encoded").GetString()!);

        var rejected = await Assert.ThrowsAsync<CloudEventRejectedException>(() => _converter.FromHttpRequestAsync(request));

        Assert.Contains("UTF-8", Assert.Single(rejected.Reasons), StringComparison.Ordinal);
    }

    /// <summary>The characters 3.1.3.2 names: space, double quote and percent MUST be encoded; other printable ASCII need not be.</summary>
    [Theory]
    [InlineData(" ", "%20")]
    [InlineData("\"", "%22")]
    [InlineData("%", "%25")]
    [InlineData("a-b_c.d~e!f*g", "a-b_c.d~e!f*g")]
    [InlineData("é", "%C3%A9")]
    public void Binary_mode_encodes_the_characters_the_binding_names(string value, string encoded)
    {
        var cloudEvent = Event();
        cloudEvent[Extension] = value;

        using var content = _converter.ToHttpContent(cloudEvent, ContentMode.Binary);

        Assert.Equal(encoded, Assert.Single(content.Headers.GetValues("ce-" + Extension)));
    }

    /// <summary>Decoding rules of 3.1.3.2: lower-case hex, unnecessarily encoded characters and RFC 7230 quoted strings MUST be accepted.</summary>
    [Theory]
    [InlineData("Euro%20%e2%82%ac%20%f0%9f%98%80", "Euro € 😀")]
    [InlineData("%41%42C", "ABC")]
    [InlineData("\"Euro%20%E2%82%AC\"", "Euro €")]
    [InlineData("\"a\\\"b\"", "a\"b")]
    public async Task Binary_mode_decoding_accepts_what_the_binding_requires(string header, string value)
    {
        using var request = Request(header);

        var decoded = await _converter.FromHttpRequestAsync(request);

        Assert.Equal(value, decoded[Extension]);
    }

    [Theory]
    [InlineData("%E2%82")]
    [InlineData("%ED%A0%80")]
    [InlineData("%2")]
    public async Task Binary_mode_decoding_rejects_truncated_or_invalid_utf8(string header)
    {
        using var request = Request(header);

        await Assert.ThrowsAsync<CloudEventRejectedException>(() => _converter.FromHttpRequestAsync(request));
    }

    [Fact]
    public async Task Header_names_are_case_insensitive()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "http://localhost/events");
        request.Headers.TryAddWithoutValidation("CE-SpecVersion", "1.0");
        request.Headers.TryAddWithoutValidation("CE-ID", "1");
        request.Headers.TryAddWithoutValidation("Ce-Source", "/mycontext");
        request.Headers.TryAddWithoutValidation("ce-TYPE", "com.example.someevent");
        request.Headers.TryAddWithoutValidation("CE-COMEXAMPLEEXTENSION1", "value");

        var decoded = await _converter.FromHttpRequestAsync(request);

        Assert.Equal(("1", "/mycontext", "com.example.someevent", "value"), (decoded.Id, decoded.Source?.ToString(), decoded.Type, decoded[Extension]));
    }

    private static CloudEvent Event() => new()
    {
        Id = "1",
        Source = new Uri("/mycontext", UriKind.Relative),
        Type = "com.example.someevent",
    };

    /// <summary>A binary-mode request as a server hands it over: the ce-* headers on the request.</summary>
    private static HttpRequestMessage Request(string extensionHeaderValue)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "http://localhost/events");
        request.Headers.TryAddWithoutValidation("ce-specversion", "1.0");
        request.Headers.TryAddWithoutValidation("ce-id", "1");
        request.Headers.TryAddWithoutValidation("ce-source", "/mycontext");
        request.Headers.TryAddWithoutValidation("ce-type", "com.example.someevent");
        request.Headers.TryAddWithoutValidation("ce-" + Extension, extensionHeaderValue);
        return request;
    }

    private static string HeaderValue(HttpRequestMessage request, string name)
        => request.Headers.TryGetValues(name, out var values) || request.Content!.Headers.TryGetValues(name, out values)
            ? Assert.Single(values)
            : throw new Xunit.Sdk.XunitException($"No '{name}' header on the request or its content.");
}
