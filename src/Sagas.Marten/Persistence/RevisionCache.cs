using System.Collections.Concurrent;

namespace Sagas.Marten.Persistence;

/// <summary>
/// The document and revision of the sagas this process committed last, so the next event of a saga needs no read. Bounded
/// (the oldest entries leave first); a commit that finds a newer revision in the database evicts the entry, and the event
/// runs again on a fresh load.
/// </summary>
internal sealed class RevisionCache(int capacity)
{
    private readonly ConcurrentDictionary<Guid, Entry> _entries = new();
    private readonly ConcurrentQueue<Guid> _order = new();

    public bool TryGet(Guid sagaId, out int version, out byte[] document)
    {
        var found = _entries.TryGetValue(sagaId, out var entry);
        (version, document) = (entry.Version, entry.Document);
        return found;
    }

    public void Set(Guid sagaId, int version, byte[] document)
    {
        if (capacity == 0)
        {
            return;
        }

        var entry = new Entry(version, document);
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

    private readonly record struct Entry(int Version, byte[] Document);
}
