using System.Collections.Concurrent;

namespace Sagas.Marten.Persistence;

/// <summary>
/// The document and revision of the sagas this process committed last, so the next event of a saga needs no read. Bounded
/// (the oldest entries leave first); a commit that finds a newer revision in the database evicts the entry, and the event
/// runs again on a fresh load.
/// </summary>
/// <remarks>
/// An entry also holds the committed instance until the saga's next transition takes it, so that transition needs no
/// deserialization either. It is taken once: a transition that fails after changing it leaves the next one to the document.
/// </remarks>
/// <typeparam name="TState">The saga state.</typeparam>
internal sealed class RevisionCache<TState>(int capacity)
    where TState : class
{
    private readonly ConcurrentDictionary<Guid, Entry> _entries = new();
    private readonly ConcurrentQueue<Guid> _order = new();

    /// <summary>The cached revision of a saga, with the committed instance if no transition took it yet.</summary>
    public bool TryTake(Guid sagaId, out int version, out byte[] document, out TState? committed)
    {
        while (_entries.TryGetValue(sagaId, out var entry))
        {
            if (entry.Committed is null || _entries.TryUpdate(sagaId, new Entry(entry.Version, entry.Document, null), entry))
            {
                (version, document, committed) = (entry.Version, entry.Document, entry.Committed);
                return true;
            }
        }

        (version, document, committed) = (0, [], null);
        return false;
    }

    public void Set(Guid sagaId, int version, byte[] document, TState committed)
    {
        if (capacity == 0)
        {
            return;
        }

        var entry = new Entry(version, document, committed);
        if (!_entries.TryAdd(sagaId, entry))
        {
            _entries[sagaId] = entry;
            return;
        }

        _order.Enqueue(sagaId);
        while (_entries.Count > capacity && _order.TryDequeue(out var oldest))
        {
            _entries.TryRemove(oldest, out _);
        }
    }

    public void Evict(Guid sagaId) => _entries.TryRemove(sagaId, out _);

    // A class, so that taking the instance replaces exactly the entry read (reference comparison).
    private sealed class Entry(int version, byte[] document, TState? committed)
    {
        public int Version { get; } = version;

        public byte[] Document { get; } = document;

        public TState? Committed { get; } = committed;
    }
}
