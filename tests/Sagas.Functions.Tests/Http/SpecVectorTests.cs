using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CloudNative.CloudEvents;
using Sagas.Functions.Tests.Harness;

namespace Sagas.Functions.Tests.Http;

/// <summary>
/// The examples of the CloudEvents 1.0.2 spec (copied into Vectors/, see Vectors/SOURCES.md) sent to the HTTP host
/// as they are printed. None of their types is a step command here, so every one must be read completely and then
/// rejected for its type, which shows the host parsed it right; the HTTP-binding examples give the request
/// Content-Types the host must accept and the reply headers it must produce.
/// </summary>
public class SpecVectorTests
{
    private static readonly Guid SagaId = Guid.Parse("7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d");

    public static TheoryData<string> StructuredExamples =>
    [
        "json-format-3.2-B-xml-string-data.json",
        "json-format-3.2-C-json-object-data.json",
        "json-format-3.2-D-json-string-no-datacontenttype.json",
        "spec-example-pull-request-opened.json",
    ];

    [Theory]
    [MemberData(nameof(StructuredExamples))]
    public async Task Structured_spec_example_is_read_and_rejected_for_its_unknown_type(string file)
    {
        await using var app = await FunctionApp.StartAsync();
        var body = VectorFiles.ReadBytes($"{VectorFiles.SpecExamples}/{file}");
        using var json = JsonDocument.Parse(body);
        var type = json.RootElement.GetProperty("type").GetString();

        using var response = await app.Client.SendAsync(Replies.PostRaw(body, "application/cloudevents+json; charset=utf-8"));

        var (problem, errors) = await Replies.ReadProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal($"unknown event type '{type}': no contract is registered for it", Assert.Single(errors));
        Assert.Equal(json.RootElement.GetProperty("id").GetString(), problem.GetProperty("eventId").GetString());
        Assert.Equal(json.RootElement.GetProperty("source").GetString(), problem.GetProperty("eventSource").GetString());
    }

    [Theory]
    [InlineData("json-format-3.2-C-json-object-data.binary-mode.http")]
    [InlineData("json-format-3.2-D-json-string-no-datacontenttype.binary-mode.http")]
    public async Task Binary_mode_spec_rendering_is_read_and_rejected_for_its_unknown_type(string file)
    {
        await using var app = await FunctionApp.StartAsync();
        var example = SpecHttpMessage.Load(file);

        using var response = await app.Client.SendAsync(ToRequest(example));

        var (problem, errors) = await Replies.ReadProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal($"unknown event type '{example.Header("ce-type")}': no contract is registered for it", Assert.Single(errors));
        Assert.Equal(example.Header("ce-id"), problem.GetProperty("eventId").GetString());
        Assert.Equal(example.Header("ce-source"), problem.GetProperty("eventSource").GetString());
    }

    [Fact]
    public async Task Binary_mode_spec_rendering_with_xml_data_is_415()
    {
        await using var app = await FunctionApp.StartAsync();

        using var response = await app.Client.SendAsync(ToRequest(SpecHttpMessage.Load("json-format-3.2-B-xml-string-data.binary-mode.http")));

        var (_, errors) = await Replies.ReadProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
        Assert.StartsWith("binary-mode data of type 'application/xml' is not supported", Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Empty_spec_batch_gets_an_empty_batch()
    {
        await using var app = await FunctionApp.StartAsync();
        var body = VectorFiles.ReadBytes($"{VectorFiles.SpecExamples}/json-format-4.3-batch-empty.json");

        using var response = await app.Client.SendAsync(Replies.PostRaw(body, "application/cloudevents-batch+json"));

        Assert.Empty(await Replies.ReadBatchAsync(response));
        Assert.Equal("[]", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Spec_batch_with_the_placeholder_data_base64_is_400_as_malformed()
    {
        await using var app = await FunctionApp.StartAsync();
        var body = VectorFiles.ReadBytes($"{VectorFiles.SpecExamples}/json-format-4.3-batch-two-events.json");

        using var response = await app.Client.SendAsync(Replies.PostRaw(body, "application/cloudevents-batch+json"));

        var (_, errors) = await Replies.ReadProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.StartsWith("not a valid CloudEvents batch", Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Spec_batch_with_real_base64_is_read_and_each_event_rejected_for_its_type()
    {
        await using var app = await FunctionApp.StartAsync();
        var text = VectorFiles.ReadText($"{VectorFiles.SpecExamples}/json-format-4.3-batch-two-events.json")
            .Replace("... base64 encoded string ...", Convert.ToBase64String([1, 2, 3]), StringComparison.Ordinal);

        using var response = await app.Client.SendAsync(Replies.PostRaw(Encoding.UTF8.GetBytes(text), "application/cloudevents-batch+json"));

        var (_, errors) = await Replies.ReadProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(2, errors.Count);
        Assert.StartsWith("event 0 (id 'B234-1234-1234'): unknown event type 'com.example.someevent'", errors[0], StringComparison.Ordinal);
        Assert.StartsWith("event 1 (id 'C234-1234-1234'): unknown event type 'com.example.someotherevent'", errors[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Binary_request_as_in_the_spec_gets_a_binary_response_as_in_the_spec()
    {
        await using var app = await FunctionApp.StartAsync();
        var request = SpecHttpMessage.Load("http-binding-3.1.4-binary-request.http");
        var expected = SpecHttpMessage.Load("http-binding-3.1.4-binary-response.http");
        var message = Replies.Post(Commands.ReserveStock(SagaId), ContentMode.Binary);
        message.Content!.Headers.ContentType = MediaTypeHeaderValue.Parse(request.Header("Content-Type"));

        using var response = await app.Client.SendAsync(message);

        Assert.Equal(expected.StartLine, $"HTTP/{response.Version} {(int)response.StatusCode} {response.ReasonPhrase}");
        foreach (var (name, _) in expected.Headers.Where(h => h.Key.StartsWith("ce-", StringComparison.Ordinal)))
        {
            Assert.True(response.Headers.Contains(name) || response.Content.Headers.Contains(name), $"the reply has no {name} header");
        }

        Assert.Equal(MediaTypeHeaderValue.Parse(expected.Header("Content-Type")).MediaType, response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("1.0", Assert.Single(response.Headers.GetValues("ce-specversion")));
    }

    [Fact]
    public async Task Structured_request_as_in_the_spec_gets_a_structured_response_as_in_the_spec()
    {
        await using var app = await FunctionApp.StartAsync();
        var request = SpecHttpMessage.Load("http-binding-3.2.4-structured-request.http");
        var expected = SpecHttpMessage.Load("http-binding-3.2.4-structured-response.http");
        var body = Commands.Converter.EncodeStructured(Commands.ReserveStock(SagaId)).ToArray();

        using var response = await app.Client.SendAsync(Replies.PostRaw(body, request.Header("Content-Type")));

        Assert.Equal(expected.StartLine, $"HTTP/{response.Version} {(int)response.StatusCode} {response.ReasonPhrase}");
        AssertSameMediaType(expected.Header("Content-Type"), response.Content.Headers.ContentType!);
        using var json = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("1.0", json.RootElement.GetProperty("specversion").GetString());
        Assert.Equal("dev.sagas.step.completed.v1", json.RootElement.GetProperty("type").GetString());
        Assert.Equal(JsonValueKind.Object, json.RootElement.GetProperty("data").ValueKind);
    }

    [Fact]
    public async Task Batched_request_as_in_the_spec_gets_a_batched_response_as_in_the_spec()
    {
        await using var app = await FunctionApp.StartAsync();
        var request = SpecHttpMessage.Load("http-binding-3.3.3-batched-request.http");
        var expected = SpecHttpMessage.Load("http-binding-3.3.3-batched-response.http");
        var message = Replies.PostBatch(Commands.ReserveStock(SagaId), Commands.ReserveStock(Guid.NewGuid()));
        message.Content!.Headers.ContentType = MediaTypeHeaderValue.Parse(request.Header("Content-Type"));

        using var response = await app.Client.SendAsync(message);

        Assert.Equal(expected.StartLine, $"HTTP/{response.Version} {(int)response.StatusCode} {response.ReasonPhrase}");
        AssertSameMediaType(expected.Header("Content-Type"), response.Content.Headers.ContentType!);
        using var json = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(2, json.RootElement.GetArrayLength());
        Assert.All(json.RootElement.EnumerateArray(), e => Assert.Equal("1.0", e.GetProperty("specversion").GetString()));
    }

    [Fact]
    public async Task Percent_encoded_header_value_from_the_spec_is_decoded()
    {
        await using var app = await FunctionApp.StartAsync();
        using var vectors = JsonDocument.Parse(VectorFiles.ReadBytes($"{VectorFiles.SpecExamples}/http-header-percent-encoding-vectors.json"));
        var vector = vectors.RootElement[0];
        var message = Replies.Post(Commands.ReserveStock(SagaId), ContentMode.Binary);
        message.Content!.Headers.Remove("ce-sagastep");
        message.Content.Headers.TryAddWithoutValidation("ce-sagastep", vector.GetProperty("encoded").GetString());

        using var response = await app.Client.SendAsync(message);

        var decoded = vector.GetProperty("decoded").GetString();
        Assert.Equal(decoded, Replies.Completed(await Replies.ReadReplyAsync(response)).Step);
        Assert.Equal(decoded, Assert.Single(app.Probe.Calls).Context.Step);
    }

    [Fact]
    public async Task Percent_encoded_invalid_utf8_from_the_spec_is_400()
    {
        await using var app = await FunctionApp.StartAsync();
        using var vectors = JsonDocument.Parse(VectorFiles.ReadBytes($"{VectorFiles.SpecExamples}/http-header-percent-encoding-vectors.json"));
        var vector = vectors.RootElement[1];
        Assert.Equal("reject", vector.GetProperty("expect").GetString());
        var message = Replies.Post(Commands.ReserveStock(SagaId), ContentMode.Binary);
        message.Content!.Headers.Remove("ce-sagastep");
        message.Content.Headers.TryAddWithoutValidation("ce-sagastep", vector.GetProperty("encoded").GetString());

        using var response = await app.Client.SendAsync(message);

        var (_, errors) = await Replies.ReadProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("invalid UTF-8", Assert.Single(errors), StringComparison.Ordinal);
        Assert.Empty(app.Probe.Calls);
    }

    private static HttpRequestMessage ToRequest(SpecHttpMessage example)
    {
        var contentType = example.Header("content-type");
        var headers = example.Headers.Where(h => !h.Key.Equals("content-type", StringComparison.OrdinalIgnoreCase)).Select(h => (h.Key, h.Value)).ToArray();
        return Replies.PostRaw(Encoding.UTF8.GetBytes(example.Body), contentType, headers);
    }

    private static void AssertSameMediaType(string expected, MediaTypeHeaderValue actual)
    {
        var parsed = MediaTypeHeaderValue.Parse(expected);
        Assert.Equal(parsed.MediaType, actual.MediaType);
        Assert.Equal(parsed.CharSet, actual.CharSet, StringComparer.OrdinalIgnoreCase);
    }
}
