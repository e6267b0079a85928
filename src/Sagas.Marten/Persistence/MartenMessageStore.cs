using Marten;
using Sagas.Marten.Schema;
using Sagas.Outbox;
using Sagas.Persistence;

namespace Sagas.Marten.Persistence;

/// <summary>Inbox and outbox of consumers that are not sagas, in PostgreSQL.</summary>
internal sealed class MartenMessageStore(IDocumentStore store, SagasTables tables, TimeProvider timeProvider) : IMessageStore
{
    public async ValueTask<bool> IsDuplicateAsync(MessageTransaction transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        if (!transaction.IsRedelivery)
        {
            return false; // first delivery: skip the round trip; the commit still refuses a duplicate
        }

        await using var session = store.QuerySession();
        var key = transaction.InboxKey;
        var found = await session.QueryAsync<int>(
            $"select 1 from {tables.Inbox} where endpoint = ? and source = ? and id = ?",
            cancellationToken,
            key.Endpoint,
            key.Source,
            key.Id).ConfigureAwait(false);
        return found.Count > 0;
    }

    public async ValueTask<CommitResult> CommitAsync(MessageTransaction transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        await using var session = store.LightweightSession();
        MartenCommit.Queue(session, tables, transaction, timeProvider.GetUtcNow());
        try
        {
            await session.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (MartenCommit.IsDuplicateInboxRecord(ex, tables))
        {
            return CommitResult.Duplicate;
        }

        transaction.MarkCommitted();
        return CommitResult.Committed;
    }

    // Committed messages are the relay's to deliver, including those of a duplicate's first delivery.
    public ValueTask<IReadOnlyList<OutboxMessage>> PendingAsync(MessageTransaction transaction, CancellationToken cancellationToken)
        => ValueTask.FromResult<IReadOnlyList<OutboxMessage>>([]);

    public ValueTask MarkDeliveredAsync(IReadOnlyCollection<Guid> messageIds, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
