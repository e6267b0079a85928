using System.Text;
using CloudNative.CloudEvents;
using Microsoft.Extensions.Options;
using Sagas.Functions.Azure.Channel;
using Sagas.Functions.Azure.Queues;
using Sagas.Functions.Azure.Tests.Harness;
using Sagas.Functions.ClaimCheck;

namespace Sagas.Functions.Azure.Tests.Channel;

/// <summary>The container side's Storage Queue channel against a real Azurite.</summary>
public sealed class StorageQueueStepChannelTests
{
    private readonly QueueNames _names = new("chan");

    private StorageQueueStepChannel NewChannel(out string requestQueue, out string replyQueue, Action<StorageQueueStepChannelOptions>? configure = null, IClaimCheckStore? claimChecks = null)
    {
        var options = new StorageQueueStepChannelOptions
        {
            ConnectionString = Azurite.ConnectionString,
            RequestQueueName = _names.New("req"),
            ReplyQueueName = _names.New("rep"),
            RetryDelay = TimeSpan.Zero,
        };
        configure?.Invoke(options);
        requestQueue = options.RequestQueueName!;
        replyQueue = options.ReplyQueueName!;
        return new StorageQueueStepChannel(options, claimChecks);
    }

    [Fact]
    public async Task A_sent_command_is_a_Base64_structured_CloudEvent_that_a_Base64_client_reads_back()
    {
        var channel = NewChannel(out var requestQueue, out _);
        var command = Commands.ReserveStock(Guid.NewGuid());

        var sent = await channel.SendAsync(command);

        Assert.Null(sent.ClaimCheck);
        var raw = Assert.Single((await Azurite.RawQueue(requestQueue).PeekMessagesAsync(1)).Value).Body.ToString();
        var json = Encoding.UTF8.GetString(Convert.FromBase64String(raw));
        Assert.Equal(Commands.Structured(command), json);
        Assert.Equal(raw.Length, sent.MessageBytes);

        // What a Functions queue trigger binds: the decoded text.
        var decoded = Assert.Single(await Azurite.PeekAsync(requestQueue)).Body.ToString();
        var received = Commands.Converter.DecodeStructured(Encoding.UTF8.GetBytes(decoded));
        Assert.Equal(command.Id, received.Id);
        Assert.Equal("reserve-stock", received["sagastep"]);
    }

    [Fact]
    public async Task Replies_are_handed_to_the_callback_and_deleted_after_it_returned()
    {
        var channel = NewChannel(out _, out var replyQueue);
        var replies = new[] { Commands.ReserveStock(Guid.NewGuid()), Commands.ReserveStock(Guid.NewGuid()) };
        foreach (var reply in replies)
        {
            await SendRawAsync(replyQueue, Commands.Structured(reply));
        }

        var seen = new List<CloudEvent>();
        var handled = await channel.ReceiveRepliesAsync((reply, _) =>
        {
            seen.Add(reply);
            return Task.CompletedTask;
        });

        Assert.Equal(2, handled);
        Assert.Equal(replies.Select(r => r.Id), seen.Select(r => r.Id));
        Assert.Empty(await Azurite.PeekAsync(replyQueue));
    }

    [Fact]
    public async Task A_reply_whose_callback_throws_stays_and_comes_back_with_a_higher_dequeue_count()
    {
        var channel = NewChannel(out _, out var replyQueue);
        var reply = Commands.ReserveStock(Guid.NewGuid());
        await SendRawAsync(replyQueue, Commands.Structured(reply));

        var handled = await channel.ReceiveRepliesAsync((_, _) => throw new InvalidOperationException("the saga store is down"));

        Assert.Equal(0, handled);
        var waiting = Assert.Single(await Azurite.PeekAsync(replyQueue));
        Assert.Equal(1, waiting.DequeueCount);

        CloudEvent? second = null;
        handled = await channel.ReceiveRepliesAsync((r, _) =>
        {
            second = r;
            return Task.CompletedTask;
        });

        Assert.Equal(1, handled);
        Assert.Equal(reply.Id, second?.Id);
        Assert.Empty(await Azurite.PeekAsync(replyQueue));
    }

    [Fact]
    public async Task A_reply_whose_callback_fails_on_the_last_delivery_goes_to_the_poison_queue_with_the_reason()
    {
        var channel = NewChannel(out _, out var replyQueue, o => o.MaxDequeueCount = 2);
        var reply = Commands.ReserveStock(Guid.NewGuid());
        var text = Commands.Structured(reply);
        await SendRawAsync(replyQueue, text);

        for (var delivery = 1; delivery <= 2; delivery++)
        {
            Assert.Equal(0, await channel.ReceiveRepliesAsync((_, _) => throw new InvalidOperationException($"the saga store is down ({delivery})")));
        }

        Assert.Empty(await Azurite.PeekAsync(replyQueue));
        var poison = StorageQueuePoisonMessage.Parse(Assert.Single(await Azurite.PeekAsync(replyQueue + "-poison")).Body.ToString());
        Assert.Equal(replyQueue, poison.Queue);
        Assert.Equal(2, poison.DequeueCount);
        Assert.Equal(reply.Id, poison.EventId);
        Assert.Equal(text, poison.Message);
        Assert.Contains("the saga store is down (2)", Assert.Single(poison.Reasons), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reply_that_is_not_a_CloudEvent_goes_to_the_poison_queue_at_once()
    {
        var channel = NewChannel(out _, out var replyQueue);
        await SendRawAsync(replyQueue, "hello, not a CloudEvent");

        var calls = 0;
        Assert.Equal(0, await channel.ReceiveRepliesAsync((_, _) =>
        {
            calls++;
            return Task.CompletedTask;
        }));

        Assert.Equal(0, calls);
        Assert.Empty(await Azurite.PeekAsync(replyQueue));
        var poison = StorageQueuePoisonMessage.Parse(Assert.Single(await Azurite.PeekAsync(replyQueue + "-poison")).Body.ToString());
        Assert.Equal(1, poison.DequeueCount);
        Assert.Equal("hello, not a CloudEvent", poison.Message);
        Assert.Contains("not a valid structured CloudEvent", poison.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_command_over_64_KiB_travels_by_claim_check_and_is_redeemed_on_the_other_side()
    {
        var store = new InMemoryClaimCheckStore();
        var channel = NewChannel(out var requestQueue, out _, claimChecks: store);
        var command = Commands.ReserveStock(Guid.NewGuid(), note: new string('x', 70_000));

        var sent = await channel.SendAsync(command);

        Assert.NotNull(sent.ClaimCheck);
        Assert.Equal(1, store.Count);
        Assert.True(sent.MessageBytes < 2048, $"the message without its data should be small, got {sent.MessageBytes} bytes");
        var text = Assert.Single(await Azurite.PeekAsync(requestQueue)).Body.ToString();
        var checkedIn = Commands.Converter.DecodeStructured(Encoding.UTF8.GetBytes(text));
        Assert.Null(checkedIn.Data);
        Assert.Equal(sent.ClaimCheck, ClaimChecks.GetReference(checkedIn));

        var redeemed = await ClaimChecks.RedeemAsync(store, checkedIn);
        Assert.Equal(new string('x', 70_000), Assert.IsType<Harness.ReserveStock>(Commands.Converter.Decode(redeemed).Message).Note);
    }

    [Fact]
    public async Task A_command_over_64_KiB_without_a_claim_check_store_fails_to_send_naming_the_limit()
    {
        var channel = NewChannel(out var requestQueue, out _);
        var command = Commands.ReserveStock(Guid.NewGuid(), note: new string('x', 50_000));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => channel.SendAsync(command));

        Assert.Contains("65536 bytes", error.Message, StringComparison.Ordinal);
        Assert.Contains("MaxMessageBytes", error.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(IClaimCheckStore), error.Message, StringComparison.Ordinal);
        Assert.Empty(await Azurite.PeekAsync(requestQueue));
    }

    [Fact]
    public async Task A_command_just_under_the_limit_goes_as_it_is()
    {
        var channel = NewChannel(out var requestQueue, out _, claimChecks: new InMemoryClaimCheckStore());
        var empty = Commands.Structured(Commands.ReserveStock(Guid.NewGuid(), note: string.Empty)).Length;
        var note = new string('x', (65536 / 4 * 3) - empty); // exactly 64 KiB once Base64-encoded

        var sent = await channel.SendAsync(Commands.ReserveStock(Guid.NewGuid(), note: note));

        Assert.Null(sent.ClaimCheck);
        Assert.Equal(65536, sent.MessageBytes);
        Assert.Single(await Azurite.PeekAsync(requestQueue));
    }

    [Fact]
    public void Invalid_options_are_rejected_with_messages_that_name_each_setting()
    {
        var error = Assert.Throws<OptionsValidationException>(() => new StorageQueueStepChannel(new StorageQueueStepChannelOptions
        {
            RequestQueueName = "Bad_Name",
            ReplyQueueName = "Bad_Name",
            ReceiveBatchSize = 33,
            MaxDequeueCount = 0,
            MaxMessageBytes = 100_000,
            MaxPollingInterval = TimeSpan.FromMilliseconds(10),
        }));

        var failures = error.Failures.ToList();
        Assert.Contains(failures, f => f.Contains("StorageQueueStepChannelOptions.ConnectionString or StorageQueueStepChannelOptions.ServiceUri", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("StorageQueueStepChannelOptions.RequestQueueName must be an Azure queue name", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("StorageQueueStepChannelOptions.ReplyQueueName must differ", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("StorageQueueStepChannelOptions.ReceiveBatchSize", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("StorageQueueStepChannelOptions.MaxDequeueCount", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("StorageQueueStepChannelOptions.MaxMessageBytes", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("StorageQueueStepChannelOptions.MaxPollingInterval", StringComparison.Ordinal));
    }

    private static async Task SendRawAsync(string queueName, string text)
    {
        var queue = Azurite.Queue(queueName);
        await queue.CreateIfNotExistsAsync();
        await queue.SendMessageAsync(text);
    }
}
