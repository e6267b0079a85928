using System.Text.Json;
using Sagas.Functions.Aws.Lambda;
using Sagas.Functions.Aws.Sqs;
using Sagas.Functions.Aws.Tests.Harness;
using Sagas.Functions.Inbox;

namespace Sagas.Functions.Aws.Tests.Lambda;

/// <summary>The Lambda handler against real queues (fauxqs): replies, retries, dead letters, duplicates, FIFO.</summary>
public class SqsLambdaHandlerTests
{
    private const string Prefix = "lambda";
    private const string NoFailures = """{"batchItemFailures":[]}""";
    private static readonly Guid SagaId = Guid.Parse("5e0c8f9a-1b2c-4d3e-8f40-123456789abc");

    [Fact]
    public async Task Successful_step_sends_StepCompleted_to_the_reply_queue_and_reports_no_failure()
    {
        await using var rig = await LambdaRig.StartAsync(Prefix);
        var command = Commands.PackOrder(SagaId, parcels: 3);
        await rig.Channel.SendAsync(command);

        var response = await rig.DeliverAsync();

        Assert.Equal(NoFailures, response);
        var reply = Assert.Single(await rig.RepliesAsync());
        Assert.Equal(command.Id, reply["causationid"]);
        Assert.Equal(SagaId.ToString(), reply.Subject);
        Assert.Equal(new OrderPacked("slip-order-1", 3, 0), Commands.Result(reply));
        Assert.Equal((0, 0), await rig.Sqs.CountAsync(rig.ReplyQueue));
    }

    [Fact]
    public async Task Handler_exception_is_answered_with_a_transient_StepFailed_not_retried_by_sqs()
    {
        await using var rig = await LambdaRig.StartAsync(Prefix);
        await rig.Channel.SendAsync(Commands.PackOrder(SagaId, orderId: Orders.Flaky));

        var response = await rig.DeliverAsync();

        Assert.Equal(NoFailures, response);
        var failed = Commands.Failed(Assert.Single(await rig.RepliesAsync()));
        Assert.False(failed.Permanent);
        Assert.Contains("packing robot", failed.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Business_failure_is_answered_with_a_permanent_StepFailed()
    {
        await using var rig = await LambdaRig.StartAsync(Prefix);
        await rig.Channel.SendAsync(Commands.PackOrder(SagaId, orderId: Orders.NoBoxes));

        Assert.Equal(NoFailures, await rig.DeliverAsync());

        var failed = Commands.Failed(Assert.Single(await rig.RepliesAsync()));
        Assert.True(failed.Permanent);
        Assert.Equal("no boxes left", failed.Reason);
    }

    [Fact]
    public async Task Reply_queue_failure_lists_the_record_and_the_redelivery_gets_the_same_reply()
    {
        string? missing = null;
        await using var rig = await LambdaRig.StartAsync(Prefix, lambda: o =>
        {
            missing = o.ReplyQueueUrl + "-missing";
            o.AllowedReplyQueueUrls.Add(missing);
        });
        var command = Commands.PackOrder(SagaId);
        command[SqsAttributes.ReplyTo] = missing;
        await rig.Channel.SendAsync(command);
        var (messages, lambdaEvent) = await rig.ReceiveEventAsync();

        var first = await rig.InvokeAsync(lambdaEvent);

        Assert.Equal($$"""{"batchItemFailures":[{"itemIdentifier":"{{messages[0].MessageId}}"}]}""", first);
        Assert.Empty(await rig.Sqs.ReceiveAsync(rig.DeadLetterQueue, wait: 0));

        // The queue comes back; SQS delivers the listed record again.
        await rig.Sqs.Client.CreateQueueAsync(missing![(missing!.LastIndexOf('/') + 1)..]);
        var second = await rig.InvokeAsync(Fauxqs.LambdaEvent(rig.RequestQueue, messages));

        Assert.Equal(NoFailures, second);
        Assert.Single(rig.Probe.Calls);
        var reply = Assert.Single(await rig.Sqs.ReceiveAsync(missing!));
        Assert.Contains(command.Id!, reply.Body, StringComparison.Ordinal);
        await rig.Sqs.Client.DeleteQueueAsync(missing!);
    }

    [Fact]
    public async Task A_command_still_running_elsewhere_is_listed_for_redelivery()
    {
        await using var rig = await LambdaRig.StartAsync(Prefix);
        await rig.Channel.SendAsync(Commands.PackOrder(SagaId, orderId: Orders.Slow));
        var (messages, lambdaEvent) = await rig.ReceiveEventAsync();
        var bytes = lambdaEvent.ToArray();
        var running = rig.InvokeAsync(new MemoryStream(bytes));
        await rig.Probe.Entered;

        var second = await rig.InvokeAsync(new MemoryStream(bytes));

        Assert.Equal($$"""{"batchItemFailures":[{"itemIdentifier":"{{messages[0].MessageId}}"}]}""", second);
        rig.Probe.Release();
        Assert.Equal(NoFailures, await running);
        Assert.Single(await rig.RepliesAsync());
    }

    [Fact]
    public async Task Duplicate_delivery_sends_the_same_reply_and_runs_the_handler_once()
    {
        await using var rig = await LambdaRig.StartAsync(Prefix);
        await rig.Channel.SendAsync(Commands.PackOrder(SagaId));
        var (_, lambdaEvent) = await rig.ReceiveEventAsync();
        var bytes = lambdaEvent.ToArray();

        Assert.Equal(NoFailures, await rig.InvokeAsync(new MemoryStream(bytes)));
        Assert.Equal(NoFailures, await rig.InvokeAsync(new MemoryStream(bytes)));

        Assert.Single(rig.Probe.Calls);
        var replies = await rig.RepliesAsync();
        Assert.Equal(2, replies.Count);
        Assert.Equal(replies[0].Id, replies[1].Id);
        Assert.Equal(Commands.Converter.EncodeStructured(replies[0]).ToArray(), Commands.Converter.EncodeStructured(replies[1]).ToArray());
    }

    public static TheoryData<string, string, string> Rejections => new()
    {
        { "not-a-cloudevent", "Message Body", "not a valid structured CloudEvent" },
        { "unknown-type", """{"specversion":"1.0","id":"c-1","source":"/tests","type":"com.example.unknown","subject":"5e0c8f9a-1b2c-4d3e-8f40-123456789abc","datacontenttype":"application/json","data":{}}""", "unknown event type 'com.example.unknown'" },
        { "invalid-data", """{"specversion":"1.0","id":"c-2","source":"/tests","type":"dev.sagas.tests.aws.pack-order.v1","subject":"5e0c8f9a-1b2c-4d3e-8f40-123456789abc","sagastep":"pack-order","sagaattempt":1,"datacontenttype":"application/json","data":{"orderId":"","parcels":0}}""", "Parcels" },
        { "no-handler", """{"specversion":"1.0","id":"c-3","source":"/tests","type":"dev.sagas.tests.aws.audit-note.v1","subject":"5e0c8f9a-1b2c-4d3e-8f40-123456789abc","sagastep":"note","sagaattempt":1,"datacontenttype":"application/json","data":{"text":"hi"}}""", "no step handler is registered" },
        { "claim-check-without-store", """{"specversion":"1.0","id":"c-4","source":"/tests","type":"dev.sagas.tests.aws.pack-order.v1","subject":"5e0c8f9a-1b2c-4d3e-8f40-123456789abc","sagastep":"pack-order","sagaattempt":1,"datacontenttype":"application/json","claimcheck":"00"}""", "no claim-check store" },
        { "replyto-not-allowed", """{"specversion":"1.0","id":"c-5","source":"/tests","type":"dev.sagas.tests.aws.pack-order.v1","subject":"5e0c8f9a-1b2c-4d3e-8f40-123456789abc","sagastep":"pack-order","sagaattempt":1,"replyto":"https://sqs.us-east-1.amazonaws.com/1/elsewhere","datacontenttype":"application/json","data":{"orderId":"o","parcels":1}}""", "does not answer on" },
    };

    [Theory]
    [MemberData(nameof(Rejections))]
    public async Task Rejected_command_goes_to_the_dead_letter_queue_with_its_reasons_and_is_not_listed(string name, string body, string reason)
    {
        await using var rig = await LambdaRig.StartAsync(Prefix);
        await rig.Sqs.Client.SendMessageAsync(rig.RequestQueue, body);
        var (messages, lambdaEvent) = await rig.ReceiveEventAsync();

        var response = await rig.InvokeAsync(lambdaEvent);

        Assert.Equal(NoFailures, response);
        Assert.Empty(rig.Probe.Calls);
        Assert.Empty(await rig.Sqs.ReceiveAsync(rig.ReplyQueue, wait: 0));
        var dead = Assert.Single(await rig.Sqs.ReceiveAsync(rig.DeadLetterQueue));
        Assert.Equal(body, dead.Body);
        Assert.Equal(messages[0].MessageId, dead.MessageAttributes[SqsLambdaHandler.SourceMessageIdAttribute].StringValue);
        Assert.EndsWith(":" + rig.RequestQueue[(rig.RequestQueue.LastIndexOf('/') + 1)..], dead.MessageAttributes[SqsLambdaHandler.SourceArnAttribute].StringValue, StringComparison.Ordinal);
        var rejection = JsonDocument.Parse(dead.MessageAttributes[SqsLambdaHandler.RejectionAttribute].StringValue).RootElement;
        var reasons = rejection.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()!).ToList();
        Assert.True(reasons.Any(r => r.Contains(reason, StringComparison.Ordinal)), $"{name}: {string.Join(" | ", reasons)}");
    }

    [Fact]
    public async Task The_aws_sample_event_is_dead_lettered_because_its_body_is_not_a_cloudevent()
    {
        await using var rig = await LambdaRig.StartAsync(Prefix);

        var response = await rig.InvokeAsync(VectorFiles.Open("aws-sqs-event.json"));

        Assert.Equal(NoFailures, response);
        var dead = Assert.Single(await rig.Sqs.ReceiveAsync(rig.DeadLetterQueue));
        Assert.Equal("Message Body", dead.Body);
        Assert.Equal("MessageID", dead.MessageAttributes[SqsLambdaHandler.SourceMessageIdAttribute].StringValue);
        Assert.Equal("arn:aws:sqs:us-west-2:123456789012:SQSQueue", dead.MessageAttributes[SqsLambdaHandler.SourceArnAttribute].StringValue);
    }

    [Fact]
    public async Task In_a_mixed_batch_only_the_record_that_may_succeed_later_is_listed()
    {
        await using var rig = await LambdaRig.StartAsync(Prefix, inbox: new FailingInbox("cmd-down"));
        await rig.Channel.SendAsync(Commands.PackOrder(SagaId, orderId: "order-ok"));
        await rig.Sqs.Client.SendMessageAsync(rig.RequestQueue, "not a cloudevent");
        await rig.Channel.SendAsync(Commands.PackOrder(SagaId, orderId: "order-inbox-down", id: "cmd-down"));
        var messages = await rig.Sqs.TakeAsync(rig.RequestQueue, 3);

        var response = await rig.InvokeAsync(Fauxqs.LambdaEvent(rig.RequestQueue, messages));

        var down = messages.Single(m => m.Body.Contains("order-inbox-down", StringComparison.Ordinal));
        Assert.Equal($$"""{"batchItemFailures":[{"itemIdentifier":"{{down.MessageId}}"}]}""", response);
        Assert.Single(await rig.Sqs.ReceiveAsync(rig.DeadLetterQueue));
        Assert.Equal("order-ok", Assert.Single(rig.Probe.Calls).OrderId);
        Assert.Equal(new OrderPacked("slip-order-ok", 2, 0), Commands.Result(Assert.Single(await rig.RepliesAsync())));
    }

    [Fact]
    public async Task Fifo_batch_stops_at_the_first_retry_and_lists_every_record_after_it()
    {
        await using var rig = await LambdaRig.StartAsync(Prefix, fifo: true, inbox: new FailingInbox("cmd-2"));
        for (var i = 1; i <= 3; i++)
        {
            await rig.Channel.SendAsync(Commands.PackOrder(SagaId, orderId: $"order-{i}", id: $"cmd-{i}"));
        }

        var messages = await rig.Sqs.TakeAsync(rig.RequestQueue, 3); // one message group, in order

        var response = await rig.InvokeAsync(Fauxqs.LambdaEvent(rig.RequestQueue, messages));

        Assert.All(messages, m => Assert.Equal(SagaId.ToString(), m.Attributes["MessageGroupId"]));
        Assert.Equal($$"""{"batchItemFailures":[{"itemIdentifier":"{{messages[1].MessageId}}"},{"itemIdentifier":"{{messages[2].MessageId}}"}]}""", response);
        Assert.Equal(["order-1"], rig.Probe.Calls.Select(c => c.OrderId));
        var reply = Assert.Single(await rig.RepliesAsync());
        Assert.Equal("slip-order-1", Commands.Result(reply).PackingSlip);
    }

    [Fact]
    public async Task Fifo_reply_goes_with_the_saga_id_as_group_and_the_reply_id_as_deduplication_id()
    {
        await using var rig = await LambdaRig.StartAsync(Prefix, fifo: true);
        await rig.Channel.SendAsync(Commands.PackOrder(SagaId));

        Assert.Equal(NoFailures, await rig.DeliverAsync());

        var reply = Assert.Single(await rig.Sqs.ReceiveAsync(rig.ReplyQueue));
        var replyEvent = Commands.Converter.DecodeStructured(System.Text.Encoding.UTF8.GetBytes(reply.Body));
        Assert.Equal(SagaId.ToString(), reply.Attributes["MessageGroupId"]);
        Assert.Equal(replyEvent.Id, reply.Attributes["MessageDeduplicationId"]);
    }

    [Fact]
    public async Task Replyto_naming_an_allowed_queue_gets_the_reply_there()
    {
        await using var other = new Fauxqs(Prefix);
        var otherReplies = await other.CreateQueueAsync("other-replies");
        await using var rig = await LambdaRig.StartAsync(Prefix, lambda: o => o.AllowedReplyQueueUrls.Add(otherReplies), channel: o =>
        {
            o.ReplyQueueUrl = otherReplies;
            o.SendReplyTo = true;
        });
        await rig.Channel.SendAsync(Commands.PackOrder(SagaId));

        Assert.Equal(NoFailures, await rig.DeliverAsync());

        Assert.Single(await rig.RepliesAsync());
        Assert.Empty(await rig.Sqs.ReceiveAsync(rig.ReplyQueue, wait: 0));
    }

    /// <summary>An inbox whose store is down for some command ids (the claim throws), to make one record transient.</summary>
    private sealed class FailingInbox(params string[] failingCommandIds) : IStepInbox
    {
        private readonly InMemoryStepInbox _inner = new(TimeProvider.System, TimeSpan.FromDays(1), TimeSpan.FromMinutes(5));

        public ValueTask<StepInboxClaim> TryClaimAsync(StepInboxKey key, CancellationToken cancellationToken = default)
            => failingCommandIds.Contains(key.Id) ? throw new IOException("the inbox database is down") : _inner.TryClaimAsync(key, cancellationToken);

        public ValueTask<ReadOnlyMemory<byte>> CompleteAsync(StepInboxKey key, Guid leaseId, ReadOnlyMemory<byte> reply, CancellationToken cancellationToken = default)
            => _inner.CompleteAsync(key, leaseId, reply, cancellationToken);

        public ValueTask ReleaseAsync(StepInboxKey key, Guid leaseId, CancellationToken cancellationToken = default)
            => _inner.ReleaseAsync(key, leaseId, cancellationToken);
    }
}
