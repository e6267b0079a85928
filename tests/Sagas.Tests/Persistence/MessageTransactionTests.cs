using Sagas.Inbox;
using Sagas.Outbox;
using Sagas.Persistence;

namespace Sagas.Tests.Persistence;

/// <summary>The one rule of commit, then dispatch: only what was committed leaves, and only once.</summary>
public sealed class MessageTransactionTests
{
    private readonly RecordingDispatcher _dispatcher = new();

    [Fact]
    public async Task Nothing_is_dispatched_before_the_store_committed()
    {
        var transaction = WithOneMessage();

        await transaction.DispatchOnceAsync(_dispatcher, default);

        Assert.Empty(_dispatcher.Batches);
    }

    [Fact]
    public async Task A_committed_transaction_is_dispatched_once_however_often_it_is_asked()
    {
        var transaction = WithOneMessage();
        transaction.Record(CommitResult.Committed);

        await transaction.DispatchOnceAsync(_dispatcher, default); // the saga's repository, holding the saga
        await transaction.DispatchOnceAsync(_dispatcher, default); // the inbox/outbox filter after it

        Assert.Single(_dispatcher.Batches);
        Assert.True(transaction.IsDispatched);
    }

    [Theory]
    [InlineData(CommitResult.Duplicate)]
    [InlineData(CommitResult.Conflict)]
    public async Task A_duplicate_or_a_conflict_dispatches_nothing(CommitResult result)
    {
        var transaction = WithOneMessage();
        transaction.Record(result);

        await transaction.DispatchOnceAsync(_dispatcher, default);

        Assert.Empty(_dispatcher.Batches);
        Assert.False(transaction.IsCommitted);
        Assert.Equal(result == CommitResult.Duplicate, transaction.IsDuplicate);
    }

    [Fact]
    public void Nothing_can_be_added_once_committed()
    {
        var transaction = WithOneMessage();
        transaction.Record(CommitResult.Committed);

        Assert.Throws<InvalidOperationException>(() => transaction.Add(Message()));
        Assert.Throws<InvalidOperationException>(() => transaction.CancelScheduled(Guid.NewGuid()));
    }

    private static MessageTransaction WithOneMessage()
    {
        var transaction = new MessageTransaction(new InboxKey("orders", "urn:test", "e1"));
        transaction.Add(Message());
        return transaction;
    }

    private static OutboxMessage Message() => new()
    {
        Id = Guid.NewGuid(),
        Destination = new Uri("loopback://localhost/orders"),
        ContentType = "application/cloudevents+json",
        Body = new byte[] { 1 },
    };

    private sealed class RecordingDispatcher : IOutboxDispatcher
    {
        public List<IReadOnlyList<OutboxMessage>> Batches { get; } = [];

        public Task DispatchAsync(IReadOnlyList<OutboxMessage> messages, CancellationToken cancellationToken)
        {
            Batches.Add(messages);
            return Task.CompletedTask;
        }
    }
}
