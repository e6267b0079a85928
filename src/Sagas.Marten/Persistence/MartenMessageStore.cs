using Marten;
using Npgsql;
using Sagas.Marten.Schema;
using Sagas.Outbox;
using Sagas.Persistence;

namespace Sagas.Marten.Persistence;

/// <summary>Inbox and outbox of consumers that are not sagas, in PostgreSQL.</summary>
internal sealed class MartenMessageStore(IDocumentStore store, NpgsqlDataSource dataSource, SagasTables tables, TimeProvider timeProvider) : IMessageStore
{
    // Every delivery is looked up, first deliveries too: a message the outbox sent again (its first send's confirmation was
    // lost, say) is a new delivery to the broker, and must not reach a saga or a handler a second time. One primary-key probe.
    public async ValueTask<bool> IsDuplicateAsync(MessageTransaction transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        var key = transaction.InboxKey;
        await using var command = dataSource.CreateCommand($"select exists (select 1 from {tables.Inbox} where endpoint = $1 and source = $2 and id = $3)");
        command.Parameters.Add(new NpgsqlParameter { Value = key.Endpoint });
        command.Parameters.Add(new NpgsqlParameter { Value = key.Source });
        command.Parameters.Add(new NpgsqlParameter { Value = key.Id });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
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

        return CommitResult.Committed;
    }

    // Committed messages are the relay's to deliver, including those of a duplicate's first delivery.
    public ValueTask<IReadOnlyList<OutboxMessage>> PendingAsync(MessageTransaction transaction, CancellationToken cancellationToken)
        => ValueTask.FromResult<IReadOnlyList<OutboxMessage>>([]);

    public ValueTask MarkDeliveredAsync(IReadOnlyCollection<Guid> messageIds, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
