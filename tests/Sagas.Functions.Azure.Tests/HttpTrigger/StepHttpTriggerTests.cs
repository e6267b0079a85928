using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.Http;
using Sagas.Functions.Azure.Tests.Harness;
using Sagas.Functions.Http;

namespace Sagas.Functions.Azure.Tests.HttpTrigger;

/// <summary>
/// The HTTP trigger adapter, invoked as an <c>[HttpTrigger]</c> function is: with an <c>HttpRequestData</c> built from
/// the HTTP request a CloudEvents client sends (binary or structured mode), returning the <c>HttpResponseData</c>.
/// </summary>
public sealed class StepHttpTriggerTests : IAsyncLifetime
{
    private const string Secret = "a-shared-secret-of-some-length";
    private FunctionApp _app = null!;

    public Task InitializeAsync()
    {
        _app = new FunctionApp("http-replies-unused");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Theory]
    [InlineData(ContentMode.Binary)]
    [InlineData(ContentMode.Structured)]
    public async Task A_command_is_answered_200_with_the_reply_in_the_same_mode(ContentMode mode)
    {
        var sagaId = Guid.NewGuid();
        var command = Commands.ReserveStock(sagaId);

        using var response = await SendAsync(Post(command, mode));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var expectedType = mode == ContentMode.Structured ? "application/cloudevents+json" : "application/json";
        Assert.Equal(expectedType, response.Content.Headers.ContentType?.MediaType);
        if (mode == ContentMode.Binary)
        {
            Assert.Equal("dev.sagas.step.completed.v1", response.Headers.GetValues("ce-type").Single());
        }

        var reply = await Commands.Converter.FromHttpResponseAsync(response);
        var completed = Commands.Completed(reply);
        Assert.Equal(sagaId, completed.SagaId);
        Assert.Equal(command.Id, reply["causationid"]);
        Assert.Equal(new Uri("/tests/azure-functions", UriKind.Relative), reply.Source);
    }

    [Fact]
    public async Task An_invalid_command_is_answered_400_problem_json_naming_every_error()
    {
        var command = Commands.ReserveStock(Guid.NewGuid(), sku: string.Empty, quantity: 0);

        using var response = await SendAsync(Post(command, ContentMode.Binary));

        var (problem, errors) = await ReadProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("The CloudEvent was rejected", problem.GetProperty("title").GetString());
        Assert.Equal("/api/steps", problem.GetProperty("instance").GetString());
        Assert.Equal(command.Id, problem.GetProperty("eventId").GetString());
        Assert.Equal("dev.sagas.tests.azure.reserve-stock.v1", problem.GetProperty("eventType").GetString());
        Assert.Equal(2, errors.Count);
        Assert.Empty(_app.Calls.Commands);
    }

    [Fact]
    public async Task A_structured_body_that_is_not_a_CloudEvent_is_answered_400()
    {
        using var response = await SendAsync(PostRaw("{\"specversion\":\"1.0\"}"u8.ToArray(), "application/cloudevents+json"));

        var (_, errors) = await ReadProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("not a valid CloudEvent", Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_command_without_saga_attributes_is_answered_400_naming_them()
    {
        var command = Commands.ReserveStock(Guid.NewGuid());
        command["sagastep"] = null;
        command["sagaattempt"] = null;

        using var response = await SendAsync(Post(command, ContentMode.Structured));

        var (_, errors) = await ReadProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains(errors, e => e.Contains("'sagastep'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("'sagaattempt'", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("text/plain", "binary-mode data of type 'text/plain' is not supported")]
    [InlineData("application/cloudevents+xml", "event format 'application/cloudevents+xml' is not supported")]
    public async Task Formats_other_than_JSON_are_answered_415(string contentType, string reason)
    {
        using var response = await SendAsync(PostRaw("x"u8.ToArray(), contentType));

        var (_, errors) = await ReadProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
        Assert.Contains(reason, Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_batch_is_answered_200_with_the_replies_as_a_batch_in_order()
    {
        var first = Guid.NewGuid();
        var second = Guid.NewGuid();
        var batch = new[] { Commands.ReserveStock(first), Commands.ReserveStock(second, sku: "sku-2") };

        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Post, "/api/steps") { Content = batch.ToHttpContent(Commands.Converter.Formatter) });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/cloudevents-batch+json", response.Content.Headers.ContentType?.MediaType);
        var replies = await response.ToCloudEventBatchAsync(Commands.Converter.Formatter, Sagas.CloudEvents.SagaAttributes.All);
        Assert.Equal([first, second], replies.Select(r => Commands.Completed(r).SagaId));
        Assert.Equal([batch[0].Id, batch[1].Id], replies.Select(r => (string?)r["causationid"]));
    }

    [Fact]
    public async Task A_batch_with_one_invalid_event_runs_none_and_is_answered_400_naming_it()
    {
        var batch = new[] { Commands.ReserveStock(Guid.NewGuid()), Commands.ReserveStock(Guid.NewGuid(), sku: string.Empty) };

        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Post, "/api/steps") { Content = batch.ToHttpContent(Commands.Converter.Formatter) });

        var (_, errors) = await ReadProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.All(errors, e => Assert.StartsWith($"event 1 (id '{batch[1].Id}')", e, StringComparison.Ordinal));
        Assert.Empty(_app.Calls.Commands);
    }

    [Fact]
    public async Task A_body_over_the_limit_is_answered_413()
    {
        await using var app = new FunctionApp("http-replies-unused", http: o => o.MaxRequestBodySize = 1024);
        var command = Commands.ReserveStock(Guid.NewGuid(), note: new string('x', 2000));

        using var response = await SendAsync(Post(command, ContentMode.Structured), app);

        await ReadProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task With_a_signature_secret_an_unsigned_request_is_answered_401_and_a_signed_one_runs()
    {
        await using var app = new FunctionApp("http-replies-unused", http: o => o.SignatureSecret = Secret);
        var command = Commands.ReserveStock(Guid.NewGuid());

        using (var unsigned = await SendAsync(Post(command, ContentMode.Structured), app))
        {
            var (_, errors) = await ReadProblemAsync(unsigned, HttpStatusCode.Unauthorized);
            Assert.Contains("X-Sagas-Signature header is missing", Assert.Single(errors), StringComparison.Ordinal);
        }

        var signed = Post(command, ContentMode.Structured);
        var body = await signed.Content!.ReadAsByteArrayAsync();
        signed.Headers.Add(StepFunctionSignature.DefaultHeaderName, StepFunctionSignature.Create(body, Secret));
        using var response = await SendAsync(signed, app);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task The_webhook_validation_handshake_grants_the_origin()
    {
        var request = new HttpRequestMessage(HttpMethod.Options, "/api/steps");
        request.Headers.Add("WebHook-Request-Origin", "eventgrid.azure.net");

        using var response = await SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("*", response.Headers.GetValues("WebHook-Allowed-Origin").Single());
        Assert.Equal("*", response.Headers.GetValues("WebHook-Allowed-Rate").Single());
    }

    [Fact]
    public async Task Another_method_is_answered_405()
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, "/api/steps"));

        await ReadProblemAsync(response, HttpStatusCode.MethodNotAllowed);
        Assert.Equal("POST, OPTIONS", string.Join(", ", response.Content.Headers.Allow));
    }

    internal static HttpRequestMessage Post(CloudEvent command, ContentMode mode)
        => new(HttpMethod.Post, "/api/steps") { Content = Commands.Converter.ToHttpContent(command, mode) };

    internal static HttpRequestMessage PostRaw(byte[] body, string contentType)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return new HttpRequestMessage(HttpMethod.Post, "/api/steps") { Content = content };
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, FunctionApp? app = null)
    {
        using (request)
        {
            var data = await TestHttpRequestData.FromAsync(request);
            var response = await (app ?? _app).HttpTrigger.RunAsync(data);
            return await TestHttpResponseData.ToResponseMessageAsync(response);
        }
    }

    internal static async Task<(JsonElement Problem, IReadOnlyList<string> Errors)> ReadProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"Expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement.Clone();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        var errors = problem.GetProperty("errors").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.NotEmpty(errors);
        return (problem, errors);
    }
}
