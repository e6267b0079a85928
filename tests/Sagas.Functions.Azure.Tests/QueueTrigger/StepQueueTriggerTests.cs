using System.Text;
using Azure.Storage.Queues.Models;
using CloudNative.CloudEvents;
using Sagas.Functions.Azure.Queues;
using Sagas.Functions.Azure.QueueTrigger;
using Sagas.Functions.Azure.Tests.Harness;

namespace Sagas.Functions.Azure.Tests.QueueTrigger;

/// <summary>
/// The queue trigger adapter, invoked as the Functions host invokes a queue-triggered function: a message received from
/// a real Azurite queue, bound as <see cref="QueueMessage"/> or as text with the host's binding data, deleted when the
/// function returned, made visible again when it threw.
/// </summary>
public sealed class StepQueueTriggerTests : IAsyncLifetime
{
    private const int MaxDequeueCount = 5;
    private readonly QueueNames _names = new("trig");
    private readonly string _requestQueue;
    private readonly string _replyQueue;
    private readonly FunctionApp _app;

    public StepQueueTriggerTests()
    {
        _requestQueue = _names.New("req");
        _replyQueue = _names.New("rep");
        _app = new FunctionApp(_replyQueue, o => o.MaxDequeueCount = MaxDequeueCount);
    }

    public Task InitializeAsync() => Azurite.Queue(_requestQueue).CreateIfNotExistsAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    /// <summary><c>[QueueTrigger("...")] QueueMessage message, CancellationToken cancellationToken</c>.</summary>
    private FunctionsQueueHost BoundAsQueueMessage()
        => new(_requestQueue, MaxDequeueCount, (message, cancellationToken) => _app.QueueTrigger.RunAsync(_requestQueue, message, cancellationToken));

    /// <summary><c>[QueueTrigger("...")] string message, FunctionContext context</c>.</summary>
    private FunctionsQueueHost BoundAsText()
        => new(_requestQueue, MaxDequeueCount, (message, cancellationToken) => _app.QueueTrigger.RunAsync(
            _requestQueue,
            message.Body.ToString(),
            new TestFunctionContext(FunctionsQueueHost.BindingDataOf(message), cancellationToken)));

    [Fact]
    public async Task A_command_runs_and_its_reply_goes_to_the_reply_queue()
    {
        var sagaId = Guid.NewGuid();
        var command = Commands.ReserveStock(sagaId);
        await Azurite.Queue(_requestQueue).SendMessageAsync(Commands.Structured(command));

        var delivery = await BoundAsQueueMessage().DeliverNextAsync();

        Assert.Null(delivery.Failure);
        Assert.Empty(await Azurite.PeekAsync(_requestQueue));
        var reply = await SingleReplyAsync();
        var completed = Commands.Completed(reply);
        Assert.Equal(sagaId, completed.SagaId);
        Assert.Equal("reserve-stock", completed.Step);
        Assert.Equal(command.Id, reply["causationid"]);
        Assert.Equal(sagaId.ToString(), reply.Subject);
        Assert.Single(_app.Calls.Commands);
        Assert.Empty(await Azurite.PeekAsync(_requestQueue + "-poison"));
    }

    [Fact]
    public async Task A_command_bound_as_text_with_the_hosts_binding_data_runs_the_same_way()
    {
        var command = Commands.ReserveStock(Guid.NewGuid());
        await Azurite.Queue(_requestQueue).SendMessageAsync(Commands.Structured(command));

        var delivery = await BoundAsText().DeliverNextAsync();

        Assert.Null(delivery.Failure);
        Assert.Equal(command.Id, (await SingleReplyAsync())["causationid"]);
    }

    [Fact]
    public async Task A_handler_that_throws_is_answered_with_a_transient_StepFailed_not_retried_by_the_queue()
    {
        await Azurite.Queue(_requestQueue).SendMessageAsync(Commands.Structured(Commands.ReserveStock(Guid.NewGuid(), sku: Skus.Flaky)));

        var delivery = await BoundAsQueueMessage().DeliverNextAsync();

        Assert.Null(delivery.Failure);
        var failed = Commands.Failed(await SingleReplyAsync());
        Assert.False(failed.Permanent);
        Assert.Contains("the warehouse did not answer", failed.Reason, StringComparison.Ordinal);
        Assert.Empty(await Azurite.PeekAsync(_requestQueue));
    }

    [Fact]
    public async Task A_transient_failure_before_the_last_delivery_throws_so_the_host_retries()
    {
        _app.Inbox.Outage = "the inbox database is unreachable";
        await Azurite.Queue(_requestQueue).SendMessageAsync(Commands.Structured(Commands.ReserveStock(Guid.NewGuid())));
        var host = BoundAsQueueMessage();

        for (var delivery = 1; delivery < MaxDequeueCount; delivery++)
        {
            var result = await host.DeliverNextAsync();
            Assert.Equal(delivery, result.Message.DequeueCount);
            var failure = Assert.IsType<InvalidOperationException>(result.Failure);
            Assert.Equal("the inbox database is unreachable", failure.Message);
            Assert.False(result.MovedToPoisonByHost);
        }

        // Still on the request queue, visible for the next delivery; nothing replied, nothing poisoned.
        Assert.Equal(MaxDequeueCount - 1, Assert.Single(await Azurite.PeekAsync(_requestQueue)).DequeueCount);
        Assert.Empty(await Azurite.PeekAsync(_replyQueue));
        Assert.Empty(await Azurite.PeekAsync(_requestQueue + "-poison"));

        // The outage ends: the next delivery runs the command.
        _app.Inbox.Outage = null;
        var last = await host.DeliverNextAsync();
        Assert.Null(last.Failure);
        Commands.Completed(await SingleReplyAsync());
    }

    [Fact]
    public async Task A_transient_failure_on_the_last_delivery_sends_the_message_to_the_poison_queue_with_its_reason()
    {
        _app.Inbox.Outage = "the inbox database is unreachable";
        var command = Commands.ReserveStock(Guid.NewGuid());
        var text = Commands.Structured(command);
        await Azurite.Queue(_requestQueue).SendMessageAsync(text);
        var host = BoundAsText();

        var deliveries = new List<Delivery>();
        for (var delivery = 1; delivery <= MaxDequeueCount; delivery++)
        {
            deliveries.Add(await host.DeliverNextAsync());
        }

        Assert.All(deliveries.Take(MaxDequeueCount - 1), d => Assert.NotNull(d.Failure));
        var last = deliveries[^1];
        Assert.Equal(MaxDequeueCount, last.Message.DequeueCount);
        Assert.Null(last.Failure); // returned: the adapter poisoned it, with its reason, and the host deletes it
        Assert.False(last.MovedToPoisonByHost);

        Assert.Empty(await Azurite.PeekAsync(_requestQueue));
        Assert.Empty(await Azurite.PeekAsync(_replyQueue));
        var poison = StorageQueuePoisonMessage.Parse(Assert.Single(await Azurite.PeekAsync(_requestQueue + "-poison")).Body.ToString());
        Assert.Equal(_requestQueue, poison.Queue);
        Assert.Equal(last.Message.MessageId, poison.MessageId);
        Assert.Equal(MaxDequeueCount, poison.DequeueCount);
        Assert.Equal(last.Message.InsertedOn, poison.InsertionTime);
        Assert.Equal(command.Id, poison.EventId);
        Assert.Equal(command.Type, poison.EventType);
        Assert.Equal(text, poison.Message);
        Assert.Equal(
            $"failed on delivery {MaxDequeueCount} (the limit is {MaxDequeueCount}): InvalidOperationException: the inbox database is unreachable",
            Assert.Single(poison.Reasons));
        Assert.Empty(_app.Calls.Commands);
    }

    [Fact]
    public async Task An_invalid_command_goes_to_the_poison_queue_at_once_with_every_reason()
    {
        var command = Commands.ReserveStock(Guid.NewGuid(), sku: string.Empty, quantity: 0);
        await Azurite.Queue(_requestQueue).SendMessageAsync(Commands.Structured(command));

        var delivery = await BoundAsQueueMessage().DeliverNextAsync();

        Assert.Equal(1, delivery.Message.DequeueCount);
        Assert.Null(delivery.Failure);
        Assert.Empty(await Azurite.PeekAsync(_requestQueue));
        Assert.Empty(await Azurite.PeekAsync(_replyQueue));
        var poison = StorageQueuePoisonMessage.Parse(Assert.Single(await Azurite.PeekAsync(_requestQueue + "-poison")).Body.ToString());
        Assert.Equal(1, poison.DequeueCount);
        Assert.Equal(command.Id, poison.EventId);
        Assert.Equal(2, poison.Reasons.Count);
        Assert.Contains(poison.Reasons, r => r.StartsWith("Sku:", StringComparison.Ordinal));
        Assert.Contains(poison.Reasons, r => r.StartsWith("Quantity:", StringComparison.Ordinal));
        Assert.Empty(_app.Calls.Commands);
    }

    [Fact]
    public async Task A_command_of_an_unknown_type_goes_to_the_poison_queue_at_once()
    {
        var command = Commands.ReserveStock(Guid.NewGuid());
        command.Type = "dev.sagas.tests.azure.unknown.v1";
        await Azurite.Queue(_requestQueue).SendMessageAsync(Commands.Structured(command));

        var delivery = await BoundAsText().DeliverNextAsync();

        Assert.Null(delivery.Failure);
        var poison = StorageQueuePoisonMessage.Parse(Assert.Single(await Azurite.PeekAsync(_requestQueue + "-poison")).Body.ToString());
        Assert.Equal("dev.sagas.tests.azure.unknown.v1", poison.EventType);
        Assert.Contains("unknown event type 'dev.sagas.tests.azure.unknown.v1'", Assert.Single(poison.Reasons), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_message_that_is_not_a_CloudEvent_goes_to_the_poison_queue_at_once()
    {
        await Azurite.Queue(_requestQueue).SendMessageAsync("{\"orderId\": 42}");

        var delivery = await BoundAsQueueMessage().DeliverNextAsync();

        Assert.Null(delivery.Failure);
        var poison = StorageQueuePoisonMessage.Parse(Assert.Single(await Azurite.PeekAsync(_requestQueue + "-poison")).Body.ToString());
        Assert.Equal("{\"orderId\": 42}", poison.Message);
        Assert.Null(poison.EventId);
        Assert.Contains("not a valid structured CloudEvent", poison.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_redelivered_command_gets_the_same_reply_without_running_the_handler_again()
    {
        var command = Commands.ReserveStock(Guid.NewGuid());
        await Azurite.Queue(_requestQueue).SendMessageAsync(Commands.Structured(command));
        await Azurite.Queue(_requestQueue).SendMessageAsync(Commands.Structured(command));
        var host = BoundAsQueueMessage();

        await host.DeliverNextAsync();
        await host.DeliverNextAsync();

        var replies = await Azurite.PeekAsync(_replyQueue);
        Assert.Equal(2, replies.Count);
        Assert.Equal(replies[0].Body.ToString(), replies[1].Body.ToString());
        Assert.Single(_app.Calls.Commands);
    }

    [Fact]
    public async Task A_command_by_claim_check_is_redeemed_before_it_runs()
    {
        var store = new Sagas.Functions.ClaimCheck.InMemoryClaimCheckStore();
        await using var app = new FunctionApp(_replyQueue, claimChecks: store);
        var command = Commands.ReserveStock(Guid.NewGuid(), note: new string('n', 60_000));
        var checkedIn = await Sagas.Functions.ClaimCheck.ClaimChecks.CheckInAsync(store, command);
        await Azurite.Queue(_requestQueue).SendMessageAsync(Commands.Structured(checkedIn));

        var delivery = await new FunctionsQueueHost(_requestQueue, MaxDequeueCount, (m, ct) => app.QueueTrigger.RunAsync(_requestQueue, m, ct)).DeliverNextAsync();

        Assert.Null(delivery.Failure);
        Commands.Completed(await SingleReplyAsync());
        Assert.Equal(60_000, Assert.Single(app.Calls.Commands).Note!.Length);
    }

    private async Task<CloudEvent> SingleReplyAsync()
    {
        var text = Assert.Single(await Azurite.PeekAsync(_replyQueue)).Body.ToString();
        return Commands.Converter.DecodeStructured(Encoding.UTF8.GetBytes(text));
    }
}
