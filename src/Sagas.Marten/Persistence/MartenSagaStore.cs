using System.Linq.Expressions;
using JasperFx;
using Marten;
using Sagas.Marten.Schema;
using Sagas.Persistence;
using Sagas.Steps;

namespace Sagas.Marten.Persistence;

/// <summary>
/// Saga state as Marten documents with numeric revisions: a load is one query; a commit is one transaction
/// holding the document write (checked against the revision it was loaded at), the inbox record, the outgoing
/// messages and the withdrawn schedules.
/// </summary>
internal sealed class MartenSagaStore<TState>(IDocumentStore store, SagasTables tables, TimeProvider timeProvider) : ISagaStore<TState>
    where TState : StepSagaState
{
    public async ValueTask<LoadedSaga<TState>?> LoadAsync(Guid sagaId, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        var state = await session.LoadAsync<TState>(sagaId, cancellationToken).ConfigureAwait(false);
        return state is null ? null : new LoadedSaga<TState>(state, state.Version);
    }

    public async ValueTask<IReadOnlyList<Guid>> QueryAsync(Expression<Func<TState, bool>> predicate, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        return await session.Query<TState>().Where(predicate).Select(s => s.CorrelationId).ToListAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<CommitResult> CommitAsync(Guid sagaId, TState state, int expectedVersion, MessageTransaction transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(transaction);
        await using var session = store.LightweightSession();
        MartenCommit.Queue(session, tables, transaction, timeProvider.GetUtcNow());
        if (expectedVersion == 0)
        {
            session.Insert(state);
        }
        else
        {
            session.UpdateRevision(state, expectedVersion + 1);
        }

        try
        {
            await session.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (MartenCommit.IsDuplicateInboxRecord(ex, tables))
        {
            return CommitResult.Duplicate;
        }
        catch (Exception ex) when (ex is ConcurrencyException || MartenCommit.IsDuplicateDocument(ex))
        {
            return CommitResult.Conflict;
        }

        return CommitResult.Committed;
    }
}
