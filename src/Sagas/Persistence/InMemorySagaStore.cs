using System.Linq.Expressions;
using System.Text.Json;

namespace Sagas.Persistence;

/// <summary>
/// Saga state in process memory with the semantics of a database: every load returns a private copy,
/// every commit checks the version and stores a new copy together with the inbox record and the outgoing
/// messages (in the shared <see cref="InMemoryMessageStore"/>).
/// </summary>
/// <remarks>
/// A commit stores the state as JSON, and also keeps the committed instance for the saga's next transition: that load
/// takes the instance instead of reading the JSON back, and takes it once, so a transition that fails after changing
/// it leaves the next load to the JSON. Reads that are not transitions (<see cref="LoadAsync"/>, queries, the catalog)
/// always get a copy from the JSON.
/// </remarks>
/// <typeparam name="TState">The saga state; it must round-trip through System.Text.Json.</typeparam>
public sealed class InMemorySagaStore<TState> : ISagaStore<TState>
    where TState : class
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.General);
    private readonly Dictionary<Guid, Stored> _sagas = [];
    private readonly InMemoryMessageStore _messages;

    /// <summary>Creates the store on the shared inbox/outbox.</summary>
    public InMemorySagaStore(InMemoryMessageStore messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        _messages = messages;
    }

    /// <summary>Number of saga instances held.</summary>
    public int Count
    {
        get
        {
            lock (_messages.SyncRoot)
            {
                return _sagas.Count;
            }
        }
    }

    /// <inheritdoc />
    public ValueTask<LoadedSaga<TState>?> LoadAsync(Guid sagaId, CancellationToken cancellationToken)
        => ValueTask.FromResult(Load(sagaId, takeCommitted: false));

    /// <inheritdoc />
    /// <remarks>The instance the last commit stored, if no transition took it since; otherwise a copy from the JSON.</remarks>
    public ValueTask<LoadedSaga<TState>?> LoadForTransitionAsync(Guid sagaId, CancellationToken cancellationToken)
        => ValueTask.FromResult(Load(sagaId, takeCommitted: true));

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<Guid>> QueryAsync(Expression<Func<TState, bool>> predicate, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        var matches = predicate.Compile();
        List<(Guid Id, byte[] Json)> snapshot;
        lock (_messages.SyncRoot)
        {
            snapshot = [.. _sagas.Select(s => (s.Key, s.Value.Json))];
        }

        IReadOnlyList<Guid> ids = [.. snapshot.Where(s => matches(Read(s.Json))).Select(s => s.Id)];
        return ValueTask.FromResult(ids);
    }

    /// <summary>A private copy of every saga held, for the catalog.</summary>
    internal List<TState> Snapshot()
    {
        List<byte[]> documents;
        lock (_messages.SyncRoot)
        {
            documents = [.. _sagas.Values.Select(s => s.Json)];
        }

        return [.. documents.Select(Read)];
    }

    /// <inheritdoc />
    public ValueTask<CommitResult> CommitAsync(Guid sagaId, TState state, int expectedVersion, MessageTransaction transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(transaction);
        var json = JsonSerializer.SerializeToUtf8Bytes(state, JsonOptions);
        lock (_messages.SyncRoot)
        {
            if (_messages.ContainsInbox(transaction))
            {
                return ValueTask.FromResult(CommitResult.Duplicate);
            }

            var version = _sagas.TryGetValue(sagaId, out var stored) ? stored.Version : 0;
            if (version != expectedVersion)
            {
                return ValueTask.FromResult(CommitResult.Conflict);
            }

            _messages.TryAddInbox(transaction);

            _sagas[sagaId] = new Stored(json, version + 1, state);
            _messages.ApplyOutbox(transaction);
        }

        return ValueTask.FromResult(CommitResult.Committed);
    }

    private LoadedSaga<TState>? Load(Guid sagaId, bool takeCommitted)
    {
        TState? committed = null;
        Stored stored;
        lock (_messages.SyncRoot)
        {
            if (!_sagas.TryGetValue(sagaId, out stored))
            {
                return null;
            }

            if (takeCommitted && stored.Committed is not null)
            {
                committed = stored.Committed;
                _sagas[sagaId] = stored with { Committed = null };
            }
        }

        return new LoadedSaga<TState>(committed ?? Read(stored.Json), stored.Version);
    }

    private static TState Read(byte[] json) => JsonSerializer.Deserialize<TState>(json, JsonOptions)!;

    /// <param name="Json">The committed state.</param>
    /// <param name="Version">Its version.</param>
    /// <param name="Committed">The committed instance until a transition takes it.</param>
    private readonly record struct Stored(byte[] Json, int Version, TState? Committed);
}
