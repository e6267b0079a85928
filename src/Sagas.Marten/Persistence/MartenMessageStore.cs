using Sagas.Marten.Persistence.Groups;
using Sagas.Marten.Persistence.Parts;
using Sagas.Marten.Schema;
using Sagas.Outbox;
using Sagas.Persistence;

namespace Sagas.Marten.Persistence;

/// <summary>Inbox and outbox of consumers that are not sagas, in PostgreSQL, through commit groups.</summary>
internal sealed class MartenMessageStore(CommitGroups groups, SagasTables tables, TimeProvider timeProvider) : IMessageStore
{
    private readonly InboxLookupPart.Statement _lookup = new(tables);
    private readonly MessageCommitPart.Statement _commit = new(tables);

    // Every delivery is looked up, first deliveries too: a message the outbox sent again (its first send's confirmation was
    // lost, say) is a new delivery to the broker, and must not reach a saga or a handler a second time. One primary-key probe.
    public async ValueTask<bool> IsDuplicateAsync(MessageTransaction transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        return await groups.RunAsync(new InboxLookupPart(_lookup, transaction.InboxKey), cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<CommitResult> CommitAsync(MessageTransaction transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        return await groups.RunAsync(new MessageCommitPart(_commit, transaction, timeProvider.GetUtcNow()), cancellationToken).ConfigureAwait(false);
    }

    // Committed messages are the relay's to deliver, including those of a duplicate's first delivery.
    public ValueTask<IReadOnlyList<OutboxMessage>> PendingAsync(MessageTransaction transaction, CancellationToken cancellationToken)
        => ValueTask.FromResult<IReadOnlyList<OutboxMessage>>([]);

    public ValueTask MarkDeliveredAsync(IReadOnlyCollection<Guid> messageIds, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
