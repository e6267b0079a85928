using MassTransit;
using Sagas.Inbox;
using Sagas.Outbox;
using Sagas.Persistence;

namespace Sagas.DeadLetters;

/// <summary>
/// Redelivers and discards dead letters. A redelivery is an outbox message to <c>queue:{queue}</c> committed under the
/// inbox key <c>(sagas-dead-letters, source, redeliver:{id})</c>, then the resolution is recorded: a crash between the two
/// leaves the dead letter open, and redelivering it again commits nothing new and closes it.
/// </summary>
internal sealed class DeadLetterResolver(
    IDeadLetterStore store,
    IMessageStore messages,
    IOutboxDispatcher dispatcher,
    SagasOptions options,
    TimeProvider time) : IDeadLetterResolver
{
    /// <summary>The inbox endpoint under which redeliveries are recorded.</summary>
    internal const string Endpoint = "sagas-dead-letters";

    public async Task<DeadLetterOutcome> RedeliverAsync(Guid id, string note, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(note);
        if (await store.FindAsync(id, cancellationToken).ConfigureAwait(false) is not { } deadLetter)
        {
            return DeadLetterOutcome.NotFound;
        }

        if (deadLetter.Resolution is not null)
        {
            return DeadLetterOutcome.AlreadyResolved;
        }

        var transaction = new MessageTransaction(new InboxKey(Endpoint, options.Source.ToString(), $"redeliver:{id}"));
        transaction.Add(new OutboxMessage
        {
            Id = NewId.NextGuid(), // the transport's message id; the CloudEvents id inside the body is the one receivers deduplicate by
            Destination = new Uri($"queue:{deadLetter.Queue}"),
            ContentType = deadLetter.ContentType,
            Body = System.Text.Encoding.UTF8.GetBytes(deadLetter.Body),
        });
        transaction.Record(await messages.CommitAsync(transaction, cancellationToken).ConfigureAwait(false));
        await transaction.DispatchOnceAsync(dispatcher, cancellationToken).ConfigureAwait(false);
        return await ResolveAsync(id, DeadLetterAction.Redelivered, note, cancellationToken).ConfigureAwait(false);
    }

    public Task<DeadLetterOutcome> DiscardAsync(Guid id, string note, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(note);
        return ResolveAsync(id, DeadLetterAction.Discarded, note, cancellationToken);
    }

    private async Task<DeadLetterOutcome> ResolveAsync(Guid id, DeadLetterAction action, string note, CancellationToken cancellationToken)
    {
        if (await store.ResolveAsync(id, new DeadLetterResolution(action, time.GetUtcNow(), note.Trim()), cancellationToken).ConfigureAwait(false))
        {
            return DeadLetterOutcome.Resolved;
        }

        return await store.FindAsync(id, cancellationToken).ConfigureAwait(false) is null ? DeadLetterOutcome.NotFound : DeadLetterOutcome.AlreadyResolved;
    }
}
