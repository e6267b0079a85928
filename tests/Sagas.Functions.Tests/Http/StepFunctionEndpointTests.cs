using System.Net;
using System.Net.Http.Headers;
using System.Text;
using CloudNative.CloudEvents;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Sagas.CloudEvents;
using Sagas.Functions.Inbox;
using Sagas.Functions.Runner;
using Sagas.Functions.Tests.Harness;
using Sagas.Steps;

namespace Sagas.Functions.Tests.Http;

/// <summary>The HTTP host on a real Kestrel socket: modes, replies, idempotency and errors.</summary>
public class StepFunctionEndpointTests
{
    private static readonly Guid SagaId = Guid.Parse("0b5f3c1a-9d2e-4f60-a1b2-c3d4e5f60718");

    [Fact]
    public async Task Binary_command_gets_a_binary_StepCompleted_reply()
    {
        await using var app = await FunctionApp.StartAsync();
        var command = Commands.ReserveStock(SagaId, quantity: 5, id: "binary-1");

        using var response = await app.Client.SendAsync(Replies.Post(command, ContentMode.Binary));

        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("dev.sagas.step.completed.v1", Header(response, "ce-type"));
        Assert.Equal(SagaId.ToString(), Header(response, "ce-subject"));
        Assert.Equal(SagaId.ToString(), Header(response, "ce-correlationid"));
        Assert.Equal("binary-1", Header(response, "ce-causationid"));
        var completed = Replies.Completed(await Replies.ReadReplyAsync(response));
        Assert.Equal((SagaId, "reserve-stock", 1, false), (completed.SagaId, completed.Step, completed.Attempt, completed.Compensation));
        Assert.Equal(5, Replies.Result(completed).Quantity);
    }

    [Fact]
    public async Task Structured_command_gets_a_structured_StepCompleted_reply()
    {
        await using var app = await FunctionApp.StartAsync();
        var command = Commands.ReserveStock(SagaId, id: "structured-1");

        using var response = await app.Client.SendAsync(Replies.Post(command, ContentMode.Structured));

        Assert.Equal(CloudEventConverter.StructuredContentType, response.Content.Headers.ContentType?.MediaType);
        var reply = await Replies.ReadReplyAsync(response);
        using var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(reply.Id, body.RootElement.GetProperty("id").GetString()); // the payload is authoritative
        Assert.Equal("structured-1", reply[SagaAttributes.CausationId.Name]);
        Assert.Equal(SagaId, Replies.Completed(reply).SagaId);
    }

    [Fact]
    public async Task A_structured_reply_is_the_body_the_inbox_stored_as_it_is()
    {
        await using var app = await FunctionApp.StartAsync();
        var command = Commands.ReserveStock(SagaId, id: "structured-stored");

        using var response = await app.Client.SendAsync(Replies.Post(command, ContentMode.Structured));

        var reply = await Replies.ReadReplyAsync(response);
        var claim = await app.Services.GetRequiredService<IStepInbox>().TryClaimAsync(
            new StepInboxKey(app.Services.GetRequiredService<IOptions<StepFunctionOptions>>().Value.EndpointName, command.Source!.ToString(), command.Id!), default);
        Assert.Equal(StepInboxClaimStatus.Completed, claim.Status);
        Assert.Equal(claim.Reply.ToArray(), await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
        Assert.Equal("structured-stored", reply[SagaAttributes.CausationId.Name]);
    }

    [Fact]
    public async Task Batch_of_commands_gets_a_batch_of_replies_in_order()
    {
        await using var app = await FunctionApp.StartAsync();
        var other = Guid.NewGuid();

        using var response = await app.Client.SendAsync(Replies.PostBatch(
            Commands.ReserveStock(SagaId, id: "batch-1"),
            Commands.ReserveStock(other, sku: Skus.OutOfStock, id: "batch-2")));

        Assert.Equal(CloudEventConverter.BatchContentType, response.Content.Headers.ContentType?.MediaType);
        var replies = await Replies.ReadBatchAsync(response);
        Assert.Equal(["batch-1", "batch-2"], replies.Select(r => r[SagaAttributes.CausationId.Name]));
        Assert.Equal(SagaId, Replies.Completed(replies[0]).SagaId);
        Assert.True(Replies.Failed(replies[1]).Permanent);
        Assert.Equal(2, app.Probe.Calls.Count);
    }

    [Theory]
    [InlineData(ContentMode.Binary)]
    [InlineData(ContentMode.Structured)]
    public async Task Duplicate_request_gets_the_identical_reply_and_the_handler_runs_once(ContentMode mode)
    {
        await using var app = await FunctionApp.StartAsync();
        var command = Commands.ReserveStock(SagaId);

        using var first = await app.Client.SendAsync(Replies.Post(command, mode));
        app.Time.Advance(TimeSpan.FromMinutes(2));
        using var second = await app.Client.SendAsync(Replies.Post(command, mode));

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(await first.Content.ReadAsByteArrayAsync(), await second.Content.ReadAsByteArrayAsync());
        Assert.Equal(CeHeaders(first), CeHeaders(second));
        Assert.Single(app.Probe.Calls);
    }

    [Fact]
    public async Task Duplicate_in_a_batch_gets_the_stored_reply()
    {
        await using var app = await FunctionApp.StartAsync();
        var command = Commands.ReserveStock(SagaId, id: "once");
        using var single = await app.Client.SendAsync(Replies.Post(command, ContentMode.Structured));
        var reply = await Replies.ReadReplyAsync(single);

        using var batch = await app.Client.SendAsync(Replies.PostBatch(command, Commands.ReserveStock(SagaId, id: "new")));

        var replies = await Replies.ReadBatchAsync(batch);
        Assert.Equal(reply.Id, replies[0].Id);
        Assert.Equal(reply.Time, replies[0].Time);
        Assert.Equal(2, app.Probe.Calls.Count);
    }

    [Fact]
    public async Task Idempotency_key_is_stable_across_attempts_over_http()
    {
        await using var app = await FunctionApp.StartAsync();

        using var first = await app.Client.SendAsync(Replies.Post(Commands.ReserveStock(SagaId, sku: Skus.Flaky, attempt: 1), ContentMode.Binary));
        using var second = await app.Client.SendAsync(Replies.Post(Commands.ReserveStock(SagaId, attempt: 2), ContentMode.Binary));

        var keys = app.Probe.Calls.Select(c => c.Context.IdempotencyKey).Distinct();
        Assert.Equal([StepContext.CreateIdempotencyKey(SagaId, "reserve-stock", false)], keys);
        Assert.Equal(2, Replies.Completed(await Replies.ReadReplyAsync(second)).Attempt);
    }

    [Fact]
    public async Task Business_failure_is_200_with_a_permanent_StepFailed()
    {
        await using var app = await FunctionApp.StartAsync();

        using var response = await app.Client.SendAsync(Replies.Post(Commands.ReserveStock(SagaId, sku: Skus.OutOfStock), ContentMode.Binary));

        var failed = Replies.Failed(await Replies.ReadReplyAsync(response));
        Assert.True(failed.Permanent);
        Assert.Equal("out-of-stock is out of stock", failed.Reason);
    }

    [Fact]
    public async Task Handler_exception_is_200_with_a_transient_StepFailed()
    {
        await using var app = await FunctionApp.StartAsync();

        using var response = await app.Client.SendAsync(Replies.Post(Commands.ReserveStock(SagaId, sku: Skus.Flaky), ContentMode.Structured));

        var failed = Replies.Failed(await Replies.ReadReplyAsync(response));
        Assert.False(failed.Permanent);
        Assert.Contains("TimeoutException", failed.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_data_is_400_listing_every_validation_error()
    {
        await using var app = await FunctionApp.StartAsync();
        var command = Commands.ReserveStock(SagaId, sku: string.Empty, quantity: -1, id: "invalid-1");

        using var response = await app.Client.SendAsync(Replies.Post(command, ContentMode.Structured));

        var (problem, errors) = await Replies.ReadProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(2, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("Sku:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Quantity:", StringComparison.Ordinal));
        Assert.Equal("invalid-1", problem.GetProperty("eventId").GetString());
        Assert.Equal("dev.sagas.tests.reserve-stock.v1", problem.GetProperty("eventType").GetString());
        Assert.Equal(FunctionApp.Path, problem.GetProperty("instance").GetString());
        Assert.Empty(app.Probe.Calls);
    }

    [Fact]
    public async Task Unknown_type_is_400_naming_the_type()
    {
        await using var app = await FunctionApp.StartAsync();
        var command = Commands.ReserveStock(SagaId);
        command.Type = "com.example.not-a-step.v1";

        using var response = await app.Client.SendAsync(Replies.Post(command, ContentMode.Binary));

        var (_, errors) = await Replies.ReadProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("unknown event type 'com.example.not-a-step.v1'", Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_sagastep_is_400_naming_the_attribute()
    {
        await using var app = await FunctionApp.StartAsync();
        var command = Commands.ReserveStock(SagaId);
        command[SagaAttributes.Step] = null;

        using var response = await app.Client.SendAsync(Replies.Post(command, ContentMode.Binary));

        var (_, errors) = await Replies.ReadProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("a step command needs the 'sagastep' attribute (the name of the saga step)", Assert.Single(errors));
    }

    [Fact]
    public async Task Malformed_structured_body_is_400()
    {
        await using var app = await FunctionApp.StartAsync();

        using var response = await app.Client.SendAsync(Replies.PostRaw(Encoding.UTF8.GetBytes("{\"specversion\":"), "application/cloudevents+json"));

        var (_, errors) = await Replies.ReadProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.StartsWith("not a valid CloudEvent", Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Binary_request_without_ce_headers_is_400()
    {
        await using var app = await FunctionApp.StartAsync();

        using var response = await app.Client.SendAsync(Replies.PostRaw(Encoding.UTF8.GetBytes("{\"sku\":\"a\",\"quantity\":1}"), "application/json"));

        var (_, errors) = await Replies.ReadProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.StartsWith("not a valid CloudEvent", Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Batch_with_one_rejected_event_is_400_and_runs_none()
    {
        await using var app = await FunctionApp.StartAsync();
        var bad = Commands.ReserveStock(SagaId, id: "bad");
        bad[SagaAttributes.Attempt] = null;

        using var response = await app.Client.SendAsync(Replies.PostBatch(Commands.ReserveStock(SagaId, id: "good"), bad));

        var (_, errors) = await Replies.ReadProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.StartsWith("event 1 (id 'bad'): a step command needs the 'sagaattempt' attribute", Assert.Single(errors), StringComparison.Ordinal);
        Assert.Empty(app.Probe.Calls);
    }

    [Theory]
    [InlineData("application/cloudevents+avro", "event format 'application/cloudevents+avro' is not supported")]
    [InlineData("application/cloudevents+protobuf", "event format 'application/cloudevents+protobuf' is not supported")]
    [InlineData("application/cloudevents-batch+avro", "batch format 'application/cloudevents-batch+avro' is not supported")]
    [InlineData("application/xml", "binary-mode data of type 'application/xml' is not supported")]
    public async Task Format_other_than_json_is_415(string contentType, string expected)
    {
        await using var app = await FunctionApp.StartAsync();
        var command = Commands.ReserveStock(SagaId);
        var request = Replies.Post(command, ContentMode.Binary);
        request.Content!.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);

        using var response = await app.Client.SendAsync(request);

        var (_, errors) = await Replies.ReadProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
        Assert.StartsWith(expected, Assert.Single(errors), StringComparison.Ordinal);
        Assert.Empty(app.Probe.Calls);
    }

    [Fact]
    public async Task Body_over_the_limit_is_413()
    {
        await using var app = await FunctionApp.StartAsync(http => http.MaxRequestBodySize = 1024);
        var command = Commands.ReserveStock(SagaId, sku: new string('x', 2000));

        using var response = await app.Client.SendAsync(Replies.Post(command, ContentMode.Structured));

        var (_, errors) = await Replies.ReadProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal("the request body is larger than the limit of 1024 bytes", Assert.Single(errors));
        Assert.Empty(app.Probe.Calls);
    }

    [Fact]
    public async Task Body_one_byte_over_the_default_limit_of_1_MiB_is_413()
    {
        await using var app = await FunctionApp.StartAsync();
        var body = new byte[(1024 * 1024) + 1];
        body.AsSpan().Fill((byte)' ');

        using var response = await app.Client.SendAsync(Replies.PostRaw(body, CloudEventConverter.StructuredContentType));

        var (_, errors) = await Replies.ReadProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal("the request body is larger than the limit of 1048576 bytes", Assert.Single(errors));
    }

    [Fact]
    public async Task Body_far_over_the_limit_is_413_without_being_read()
    {
        await using var app = await FunctionApp.StartAsync(http => http.MaxRequestBodySize = 64 * 1024);
        var body = new byte[8 * 1024 * 1024];

        using var response = await app.Client.SendAsync(Replies.PostRaw(body, CloudEventConverter.StructuredContentType));

        await Replies.ReadProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task Chunked_body_over_the_limit_is_413()
    {
        await using var app = await FunctionApp.StartAsync(http => http.MaxRequestBodySize = 1024);
        var body = Commands.Converter.EncodeStructured(Commands.ReserveStock(SagaId, sku: new string('x', 2000))).ToArray();
        var content = new UnknownLengthContent(body); // no Content-Length: sent chunked, the limit is enforced while reading
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(CloudEventConverter.StructuredContentType);

        using var response = await app.Client.SendAsync(new HttpRequestMessage(HttpMethod.Post, FunctionApp.Path) { Content = content });

        await Replies.ReadProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task Default_limit_accepts_a_command_of_64_KiB()
    {
        // CloudEvents consumers SHOULD accept events of at least 64 KiB.
        await using var app = await FunctionApp.StartAsync();
        var command = Commands.ReserveStock(SagaId, sku: new string('x', 64 * 1024));

        using var response = await app.Client.SendAsync(Replies.Post(command, ContentMode.Structured));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Duplicate_while_the_first_is_running_is_409_with_retry_after()
    {
        await using var app = await FunctionApp.StartAsync();
        var command = Commands.ReserveStock(SagaId, sku: Skus.Slow);

        var first = app.Client.SendAsync(Replies.Post(command, ContentMode.Binary));
        await app.Probe.Entered;
        using var second = await app.Client.SendAsync(Replies.Post(command, ContentMode.Binary));
        app.Probe.Release();
        using var firstResponse = await first;
        using var third = await app.Client.SendAsync(Replies.Post(command, ContentMode.Binary));

        await Replies.ReadProblemAsync(second, HttpStatusCode.Conflict);
        Assert.Equal(TimeSpan.FromSeconds(1), second.Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.OK, firstResponse.StatusCode);
        Assert.Equal(await firstResponse.Content.ReadAsByteArrayAsync(), await third.Content.ReadAsByteArrayAsync());
        Assert.Single(app.Probe.Calls);
    }

    [Fact]
    public async Task Get_is_not_an_endpoint_method()
    {
        await using var app = await FunctionApp.StartAsync();

        using var response = await app.Client.GetAsync(FunctionApp.Path);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }

    private static string Header(HttpResponseMessage response, string name)
        => response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? Assert.Single(values)
            : throw new Xunit.Sdk.XunitException($"Header {name} is missing.");

    private static SortedDictionary<string, string> CeHeaders(HttpResponseMessage response)
        => new(response.Headers.Concat(response.Content.Headers)
            .Where(h => h.Key.StartsWith("ce-", StringComparison.OrdinalIgnoreCase))
            .ToDictionary(h => h.Key.ToLowerInvariant(), h => string.Join(",", h.Value)), StringComparer.Ordinal);

    /// <summary>A body whose length HttpClient cannot know in advance, so it sends it with chunked transfer encoding.</summary>
    private sealed class UnknownLengthContent(byte[] body) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context) => stream.WriteAsync(body).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
