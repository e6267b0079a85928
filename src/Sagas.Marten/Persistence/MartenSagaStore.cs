using System.Linq.Expressions;
using System.Text;
using Marten;
using Sagas.Marten.Outbox;
using Sagas.Marten.Persistence.Groups;
using Sagas.Marten.Persistence.Parts;
using Sagas.Marten.Schema;
using Sagas.Persistence;
using Sagas.Steps;

namespace Sagas.Marten.Persistence;

/// <summary>
/// Saga state as Marten documents with numeric revisions. A commit is one statement in a commit group holding the
/// document write (checked against the revision it was loaded at), the inbox record, the outgoing messages and the
/// withdrawn schedules; a load for a transition answers from the revision this process committed last when it has it (the
/// committed instance itself, when no transition took it since).
/// </summary>
internal sealed class MartenSagaStore<TState> : ISagaStore<TState>
    where TState : StepSagaState
{
    private readonly IDocumentStore _store;
    private readonly ISerializer _serializer;
    private readonly CommitGroups _groups;
    private readonly TimeProvider _time;
    private readonly SagaDocumentSql _sql;
    private readonly RevisionCache<TState> _cache;
    private readonly SagaOrder _order;
    private readonly string _dotnetType = typeof(TState).FullName!;

    public MartenSagaStore(IDocumentStore store, CommitGroups groups, SagasTables tables, MartenSagasOptions options, SagaOrder order, TimeProvider time)
    {
        _store = store;
        _serializer = store.Options.Serializer();
        _groups = groups;
        _time = time;
        _sql = new SagaDocumentSql(store.Options.FindOrResolveDocumentType(typeof(TState)).TableName.QualifiedName, tables);
        _cache = new RevisionCache<TState>(options.RevisionCacheSize);
        _order = order;
    }

    public async ValueTask<LoadedSaga<TState>?> LoadAsync(Guid sagaId, CancellationToken cancellationToken)
        => await _groups.RunAsync(new SagaLoadPart<TState>(_sql, _serializer, sagaId), cancellationToken).ConfigureAwait(false);

    public ValueTask<LoadedSaga<TState>?> LoadForTransitionAsync(Guid sagaId, CancellationToken cancellationToken)
    {
        if (!_cache.TryTake(sagaId, out var version, out var document, out var committed))
        {
            return LoadAsync(sagaId, cancellationToken);
        }

        if (committed is not null)
        {
            return ValueTask.FromResult<LoadedSaga<TState>?>(new LoadedSaga<TState>(committed, version));
        }

        using var json = new MemoryStream(document, writable: false);
        var state = _serializer.FromJson<TState>(json);
        state.Version = version;
        return ValueTask.FromResult<LoadedSaga<TState>?>(new LoadedSaga<TState>(state, version));
    }

    public async ValueTask<IReadOnlyList<Guid>> QueryAsync(Expression<Func<TState, bool>> predicate, CancellationToken cancellationToken)
    {
        await using var session = _store.QuerySession();
        return await session.Query<TState>().Where(predicate).Select(s => s.CorrelationId).ToListAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<CommitResult> CommitAsync(Guid sagaId, TState state, int expectedVersion, MessageTransaction transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(transaction);
        var version = expectedVersion + 1;
        var loadedAt = state.Version;
        state.Version = version; // the document holds the revision it is stored at
        var document = _serializer.ToJson(state);
        var part = new SagaCommitPart(_sql, sagaId, document, _dotnetType, SagaColumns.Of(state), expectedVersion, transaction, _time.GetUtcNow());
        CommitResult result;
        try
        {
            (result, var ahead) = await _groups.RunAsync(part, cancellationToken).ConfigureAwait(false);
            _order.Behind(transaction.Outgoing, ahead);
        }
        catch
        {
            state.Version = loadedAt;
            _cache.Evict(sagaId); // it may or may not have committed
            throw;
        }

        if (result == CommitResult.Committed)
        {
            _cache.Set(sagaId, version, Encoding.UTF8.GetBytes(document), state);
        }
        else
        {
            state.Version = loadedAt;
            _cache.Evict(sagaId);
        }

        return result;
    }
}
