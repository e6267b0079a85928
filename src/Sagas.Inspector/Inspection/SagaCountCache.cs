using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Sagas.Persistence.Catalog;

namespace Sagas.Inspector.Inspection;

/// <summary>
/// The counts per state of each inspected saga type, as fresh as their cost allows. A count reads a whole index (about
/// 0.3 s for a million sagas in PostgreSQL here): one that took longer than <see cref="Slow"/> to read is reused while it is
/// younger than ten times that (at most <see cref="SagaInspectorOptions.CountsMaxAge"/>), and after that shown while a newer
/// one is read in the background, so counting costs a store at most about a tenth of one connection; a count that is
/// cheaper (in memory, a small table) is read afresh for every request.
/// </summary>
internal sealed class SagaCountCache(IServiceProvider services, TimeProvider time, IOptions<SagaInspectorOptions> options)
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly TimeSpan _maxAge = options.Value.CountsMaxAge;

    /// <summary>A count that took at least this long to read is reused for a while; a faster one never is.</summary>
    internal static readonly TimeSpan Slow = TimeSpan.FromMilliseconds(250);

    public async ValueTask<CountedSagas> GetAsync(InspectedSaga saga, CancellationToken cancellationToken)
    {
        var entry = _entries.GetOrAdd(saga.Name, static _ => new Entry());
        Task<CountedSagas> shared;
        lock (entry)
        {
            if (entry.Last is not { ReadTook: var took } last || took < Slow)
            {
                shared = null!;
            }
            else if (time.GetUtcNow() - last.At < TimeSpan.FromTicks(Math.Min(_maxAge.Ticks, took.Ticks * 10)))
            {
                return last;
            }
            else
            {
                // One read at a time per type, whoever asks; it is not the caller's to cancel (others wait for it too).
                shared = entry.Reading ??= ShareAsync(saga, entry);
                if (_maxAge > TimeSpan.Zero)
                {
                    return last;
                }
            }
        }

        // A cheap count is the caller's own read, started after it asked: it sees every commit made before.
        return shared is null
            ? await ReadAsync(saga, entry, cancellationToken).ConfigureAwait(false)
            : await shared.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<CountedSagas> ShareAsync(InspectedSaga saga, Entry entry)
    {
        await Task.Yield(); // never inside the caller's lock: the read ends by clearing the task the caller is about to store
        try
        {
            return await ReadAsync(saga, entry, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            lock (entry)
            {
                entry.Reading = null;
            }
        }
    }

    private async Task<CountedSagas> ReadAsync(InspectedSaga saga, Entry entry, CancellationToken cancellationToken)
    {
        var at = time.GetUtcNow();
        var started = time.GetTimestamp();
        var counts = await saga.CountAsync(services, cancellationToken).ConfigureAwait(false);
        var counted = new CountedSagas(counts, at) { ReadTook = time.GetElapsedTime(started) };
        lock (entry)
        {
            if (entry.Last is null || entry.Last.At <= at)
            {
                entry.Last = counted;
            }
        }

        return counted;
    }

    private sealed class Entry
    {
        public CountedSagas? Last { get; set; }

        public Task<CountedSagas>? Reading { get; set; }
    }
}

/// <summary>A saga type's counts and when they were read.</summary>
internal sealed record CountedSagas(SagaCounts Counts, DateTimeOffset At)
{
    /// <summary>How long reading them took.</summary>
    public TimeSpan ReadTook { get; init; }
}
