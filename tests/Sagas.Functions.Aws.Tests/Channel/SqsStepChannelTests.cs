using Microsoft.Extensions.Options;
using Sagas.Functions.Aws.Channel;
using Sagas.Functions.Aws.Tests.Harness;

namespace Sagas.Functions.Aws.Tests.Channel;

/// <summary>The saga side of an SQS step against real queues (fauxqs).</summary>
public class SqsStepChannelTests
{
    private const string Prefix = "channel";
    private static readonly Guid SagaId = Guid.Parse("0b9e7c1d-2e3f-4a5b-9c6d-7e8f90a1b2c3");

    [Fact]
    public async Task Command_arrives_as_a_structured_cloudevent_in_the_message_body()
    {
        await using var sqs = new Fauxqs(Prefix);
        var channel = new SqsStepChannel(sqs.Client, new() { RequestQueueUrl = await sqs.CreateQueueAsync("requests"), ReplyQueueUrl = await sqs.CreateQueueAsync("replies") });
        var command = Commands.PackOrder(SagaId);

        var sent = await channel.SendAsync(command);

        var message = Assert.Single(await sqs.ReceiveAsync(channel.Options.RequestQueueUrl!));
        Assert.Equal(sent.MessageId, message.MessageId);
        Assert.Null(sent.ClaimCheck);
        Assert.Equal(Commands.Converter.EncodeStructured(command).ToArray(), System.Text.Encoding.UTF8.GetBytes(message.Body));
        Assert.False(message.Attributes.ContainsKey("MessageGroupId"));
    }

    [Fact]
    public async Task Fifo_command_goes_with_the_saga_id_as_group_and_the_event_id_as_deduplication_id()
    {
        await using var sqs = new Fauxqs(Prefix);
        var channel = new SqsStepChannel(sqs.Client, new() { RequestQueueUrl = await sqs.CreateQueueAsync("requests", fifo: true), ReplyQueueUrl = await sqs.CreateQueueAsync("replies", fifo: true) });
        var command = Commands.PackOrder(SagaId, id: "command-42");

        await channel.SendAsync(command);
        await channel.SendAsync(command); // a resend inside the deduplication window

        var message = Assert.Single(await sqs.ReceiveAsync(channel.Options.RequestQueueUrl!));
        Assert.Equal(SagaId.ToString(), message.Attributes["MessageGroupId"]);
        Assert.Equal("command-42", message.Attributes["MessageDeduplicationId"]);
        Assert.Empty(await sqs.ReceiveAsync(channel.Options.RequestQueueUrl!, wait: 0));
    }

    [Fact]
    public async Task Fifo_keeps_each_sagas_commands_in_order()
    {
        await using var sqs = new Fauxqs(Prefix);
        var channel = new SqsStepChannel(sqs.Client, new() { RequestQueueUrl = await sqs.CreateQueueAsync("requests", fifo: true), ReplyQueueUrl = await sqs.CreateQueueAsync("replies", fifo: true) });
        for (var i = 1; i <= 5; i++)
        {
            await channel.SendAsync(Commands.PackOrder(SagaId, orderId: $"order-{i}"));
        }

        var bodies = (await sqs.TakeAsync(channel.Options.RequestQueueUrl!, 5)).Select(m => m.Body).ToList();

        Assert.Equal(5, bodies.Count);
        Assert.Equal(Enumerable.Range(1, 5).Select(i => $"order-{i}"), bodies.Select(b => System.Text.Json.JsonDocument.Parse(b).RootElement.GetProperty("data").GetProperty("orderId").GetString()));
    }

    [Fact]
    public async Task Fifo_command_without_a_saga_id_is_refused_before_sending()
    {
        await using var sqs = new Fauxqs(Prefix);
        var channel = new SqsStepChannel(sqs.Client, new() { RequestQueueUrl = await sqs.CreateQueueAsync("requests", fifo: true), ReplyQueueUrl = await sqs.CreateQueueAsync("replies", fifo: true) });
        var command = Commands.PackOrder(SagaId);
        command.Subject = null;
        command["correlationid"] = null;

        var error = await Assert.ThrowsAsync<ArgumentException>(() => channel.SendAsync(command));

        Assert.Contains("saga id", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reply_is_deleted_after_the_callback_succeeded()
    {
        await using var sqs = new Fauxqs(Prefix);
        var replies = await sqs.CreateQueueAsync("replies");
        var channel = new SqsStepChannel(sqs.Client, new() { RequestQueueUrl = await sqs.CreateQueueAsync("requests"), ReplyQueueUrl = replies, ReceiveWaitTime = TimeSpan.FromSeconds(5) });
        var reply = Commands.PackOrder(SagaId); // any CloudEvent will do as a reply here
        await sqs.Client.SendMessageAsync(replies, System.Text.Encoding.UTF8.GetString(Commands.Converter.EncodeStructured(reply).Span));
        var received = new List<string?>();

        var handled = await channel.ReceiveRepliesAsync((e, _) =>
        {
            received.Add(e.Id);
            return Task.CompletedTask;
        });

        Assert.Equal(1, handled);
        Assert.Equal([reply.Id], received);
        Assert.Equal((0, 0), await sqs.CountAsync(replies));
    }

    [Fact]
    public async Task Reply_whose_callback_failed_stays_in_the_queue()
    {
        await using var sqs = new Fauxqs(Prefix);
        var replies = await sqs.CreateQueueAsync("replies");
        var channel = new SqsStepChannel(sqs.Client, new() { RequestQueueUrl = await sqs.CreateQueueAsync("requests"), ReplyQueueUrl = replies, ReceiveWaitTime = TimeSpan.FromSeconds(5) });
        await sqs.Client.SendMessageAsync(replies, System.Text.Encoding.UTF8.GetString(Commands.Converter.EncodeStructured(Commands.PackOrder(SagaId)).Span));

        var handled = await channel.ReceiveRepliesAsync((_, _) => throw new InvalidOperationException("the saga store is down"));

        Assert.Equal(0, handled);
        Assert.Equal((0, 1), await sqs.CountAsync(replies)); // in flight until the visibility timeout, then back
    }

    [Fact]
    public async Task A_message_that_is_not_a_cloudevent_is_left_for_the_redrive_policy()
    {
        await using var sqs = new Fauxqs(Prefix);
        var replies = await sqs.CreateQueueAsync("replies");
        var channel = new SqsStepChannel(sqs.Client, new() { RequestQueueUrl = await sqs.CreateQueueAsync("requests"), ReplyQueueUrl = replies, ReceiveWaitTime = TimeSpan.FromSeconds(5) });
        await sqs.Client.SendMessageAsync(replies, "Message Body");
        var calls = 0;

        var handled = await channel.ReceiveRepliesAsync((_, _) =>
        {
            calls++;
            return Task.CompletedTask;
        });

        Assert.Equal(0, handled);
        Assert.Equal(0, calls);
        Assert.Equal((0, 1), await sqs.CountAsync(replies));
    }

    [Fact]
    public async Task Listen_hands_over_replies_until_cancelled()
    {
        await using var sqs = new Fauxqs(Prefix);
        var replies = await sqs.CreateQueueAsync("replies");
        var channel = new SqsStepChannel(sqs.Client, new() { RequestQueueUrl = await sqs.CreateQueueAsync("requests"), ReplyQueueUrl = replies, ReceiveWaitTime = TimeSpan.FromSeconds(1) });
        using var stop = new CancellationTokenSource();
        var got = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var listening = channel.ListenAsync((e, _) =>
        {
            got.TrySetResult(e.Id);
            return Task.CompletedTask;
        }, stop.Token);
        var reply = Commands.PackOrder(SagaId);

        await sqs.Client.SendMessageAsync(replies, System.Text.Encoding.UTF8.GetString(Commands.Converter.EncodeStructured(reply).Span));

        Assert.Equal(reply.Id, await got.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        await stop.CancelAsync();
        await listening.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void Invalid_options_are_refused_with_every_setting_named()
    {
        var error = Assert.Throws<OptionsValidationException>(() => new SqsStepChannel(Fauxqs.CreateClientFor("http://127.0.0.1:1"), new SqsStepChannelOptions
        {
            RequestQueueUrl = "my-queue",
            ReceiveWaitTime = TimeSpan.FromSeconds(21),
            ReceiveBatchSize = 11,
            VisibilityTimeout = TimeSpan.FromMilliseconds(1500),
            MaxMessageBytes = 100,
        }));

        Assert.Contains("SqsStepChannelOptions.RequestQueueUrl must be the absolute http(s) URL", error.Message, StringComparison.Ordinal);
        Assert.Contains("SqsStepChannelOptions.ReplyQueueUrl is required", error.Message, StringComparison.Ordinal);
        Assert.Contains("SqsStepChannelOptions.ReceiveWaitTime must be whole seconds from 0 to 20", error.Message, StringComparison.Ordinal);
        Assert.Contains("SqsStepChannelOptions.ReceiveBatchSize must be from 1 to 10", error.Message, StringComparison.Ordinal);
        Assert.Contains("SqsStepChannelOptions.VisibilityTimeout must be whole seconds from 0 to 43200", error.Message, StringComparison.Ordinal);
        Assert.Contains("SqsStepChannelOptions.MaxMessageBytes must be from 1024 to 1048576", error.Message, StringComparison.Ordinal);
    }
}
