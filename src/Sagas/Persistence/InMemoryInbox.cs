using System.Runtime.InteropServices;
using Sagas.Inbox;

namespace Sagas.Persistence;

/// <summary>
/// The inbox records of <see cref="InMemoryMessageStore"/>, each with its expiry, held so that a record costs the garbage
/// collector nothing of its own: an endpoint's and a source's name are one string for all their records, and an event id
/// that is a GUID in canonical form (as every id Sagas writes) is kept as the GUID, not as its text. The comparison is
/// still exact: an id in any other form (upper case, braces, any other text) is kept as it came.
/// </summary>
/// <remarks>
/// A store holds a record per event per endpoint for the whole retention (days), so a busy process holds millions; as
/// strings, each record was three objects the collector copied on promotion and traced at every full collection.
/// Not thread-safe: the store calls it under its lock.
/// </remarks>
internal sealed class InMemoryInbox
{
    /// <summary>At most this many distinct endpoint and source names are shared; beyond that a record keeps its own.</summary>
    internal const int MaxSharedNames = 4096;

    private readonly Dictionary<Record, long> _expiresAt = [];
    private readonly Dictionary<string, string> _names = new(StringComparer.Ordinal);

    public int Count => _expiresAt.Count;

    public bool Contains(InboxKey key) => _expiresAt.ContainsKey(RecordOf(key, share: false));

    /// <summary>Adds the record; false when it exists (expired or not: <see cref="RemoveExpired"/> decides when it goes).</summary>
    public bool TryAdd(InboxKey key, DateTimeOffset expiresAt) => _expiresAt.TryAdd(RecordOf(key, share: true), expiresAt.UtcTicks);

    public void RemoveExpired(DateTimeOffset now)
    {
        var nowTicks = now.UtcTicks;
        foreach (var (record, expiresAt) in _expiresAt)
        {
            if (expiresAt <= nowTicks)
            {
                _expiresAt.Remove(record); // removing the current entry while enumerating is allowed
            }
        }
    }

    private Record RecordOf(InboxKey key, bool share)
    {
        var endpoint = share ? Shared(key.Endpoint) : key.Endpoint;
        var source = share ? Shared(key.Source) : key.Source;
        return CanonicalGuid(key.Id) is { } id ? new Record(endpoint, source, id, null) : new Record(endpoint, source, default, key.Id);
    }

    private string Shared(string name)
    {
        ref var shared = ref CollectionsMarshal.GetValueRefOrAddDefault(_names, name, out var exists);
        if (!exists)
        {
            if (_names.Count > MaxSharedNames)
            {
                _names.Remove(name);
                return name;
            }

            shared = name;
        }

        return shared!;
    }

    /// <summary>The GUID an id is the canonical text of (lower-case hex, hyphenated, as <see cref="Guid.ToString()"/> writes it), if it is one.</summary>
    internal static Guid? CanonicalGuid(string id)
        => id.Length == 36 && !id.AsSpan().ContainsAnyInRange('A', 'F') && Guid.TryParseExact(id, "D", out var guid) ? guid : null;

    /// <param name="Endpoint">The receiving endpoint.</param>
    /// <param name="Source">The CloudEvents source.</param>
    /// <param name="Guid">The id, when <paramref name="Id"/> is null.</param>
    /// <param name="Id">The id as it came, when it is not a GUID's canonical text.</param>
    private readonly record struct Record(string Endpoint, string Source, Guid Guid, string? Id);
}
