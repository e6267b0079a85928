using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Sagas.Persistence;

/// <summary>
/// Saga state in process memory with the semantics of a database: every load returns a private copy,
/// every commit checks the version and stores a new copy together with the inbox record and the outgoing
/// messages (in the shared <see cref="InMemoryMessageStore"/>).
/// </summary>
/// <remarks>
/// A commit keeps the committed instance, not a copy: the saga's next transition takes that instance instead of reading
/// a copy back. Isolation costs one copy per transition, not one per commit: the take copies the instance first, so a
/// transition that fails after changing it leaves the next load to that copy. For a step saga's state of plain values
/// the copy is field by field (<see cref="StateCopy{TState}"/>: exactly what a JSON copy would hold, for about a quarter
/// of the CPU), for any other state it is JSON. Reads that are not transitions (<see cref="LoadAsync"/>, queries, the
/// catalog) copy from the JSON, written then if none was. A saga's last commit, once it has ended, is never copied unless
/// read.
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
    /// <remarks>The instance the last commit stored, if no transition took it since (its JSON is written first); otherwise a copy from the JSON.</remarks>
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
            snapshot = AllJson();
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
            documents = [.. AllJson().Select(s => s.Json)];
        }

        return [.. documents.Select(Read)];
    }

    /// <inheritdoc />
    public ValueTask<CommitResult> CommitAsync(Guid sagaId, TState state, int expectedVersion, MessageTransaction transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(transaction);
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

            _sagas[sagaId] = new Stored(null, null, version + 1, state);
            _messages.ApplyOutbox(transaction);
        }

        return ValueTask.FromResult(CommitResult.Committed);
    }

    private LoadedSaga<TState>? Load(Guid sagaId, bool takeCommitted)
    {
        byte[] json;
        int version;
        lock (_messages.SyncRoot)
        {
            ref var stored = ref CollectionsMarshal.GetValueRefOrNullRef(_sagas, sagaId);
            if (Unsafe.IsNullRef(ref stored))
            {
                return null;
            }

            version = stored.Version;
            if (takeCommitted && stored.Committed is { } committed)
            {
                // What the next load reads if this transition fails: the JSON a read already wrote, or a copy made now.
                if (stored.Json is null && StateCopy<TState>.Fields is { } copy)
                {
                    stored = stored with { Taken = copy(committed) };
                }
                else
                {
                    JsonOf(ref stored);
                }

                stored = stored with { Committed = null };
                return new LoadedSaga<TState>(committed, version);
            }

            json = JsonOf(ref stored);
        }

        return new LoadedSaga<TState>(Read(json), version);
    }

    /// <summary>Every saga's state as JSON (see <see cref="JsonOf"/>). Caller holds the lock.</summary>
    private List<(Guid Id, byte[] Json)> AllJson()
    {
        List<(Guid Id, byte[] Json)> all = new(_sagas.Count);
        foreach (var id in _sagas.Keys)
        {
            all.Add((id, JsonOf(ref CollectionsMarshal.GetValueRefOrNullRef(_sagas, id))));
        }

        return all;
    }

    /// <summary>
    /// A saga's state as JSON, written from the committed instance (or the copy a take made of it) the first time it is
    /// asked for. Caller holds the lock, so no transition holds that instance: a take copies it before handing it out.
    /// </summary>
    private static byte[] JsonOf(ref Stored stored)
    {
        if (stored.Json is null)
        {
            stored = stored with { Json = JsonSerializer.SerializeToUtf8Bytes((stored.Committed ?? stored.Taken)!, JsonOptions) };
        }

        return stored.Json;
    }

    private static TState Read(byte[] json) => JsonSerializer.Deserialize<TState>(json, JsonOptions)!;

    /// <param name="Json">The committed state as JSON, once written.</param>
    /// <param name="Taken">A field-by-field copy of the committed instance a transition took, never handed out; or null.</param>
    /// <param name="Version">Its version.</param>
    /// <param name="Committed">The committed instance until a transition takes it; while it is null, one of the copies is not.</param>
    private readonly record struct Stored(byte[]? Json, TState? Taken, int Version, TState? Committed);
}
