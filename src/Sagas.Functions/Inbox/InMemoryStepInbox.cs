namespace Sagas.Functions.Inbox;

/// <summary>
/// An <see cref="IStepInbox"/> in process memory, on a <see cref="TimeProvider"/>: replies are kept for the
/// retention period, claims expire after the claim timeout. Lost when the process ends; see
/// <see cref="IStepInbox"/> for the durable store's seam.
/// </summary>
/// <remarks>Thread-safe. Expired entries are swept at most once per minute, during a claim.</remarks>
public sealed class InMemoryStepInbox : IStepInbox
{
    private static readonly TimeSpan SweepInterval = TimeSpan.FromMinutes(1);

    private readonly Dictionary<StepInboxKey, Entry> _entries = [];
    private readonly Lock _lock = new();
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _retention;
    private readonly TimeSpan _claimTimeout;
    private DateTimeOffset _nextSweep;

    /// <summary>Creates the inbox.</summary>
    /// <param name="timeProvider">The clock for retention and claim expiry.</param>
    /// <param name="retention">How long a reply is kept; a duplicate arriving later runs again.</param>
    /// <param name="claimTimeout">How long an unfinished claim blocks duplicates before another execution may take it over.</param>
    public InMemoryStepInbox(TimeProvider timeProvider, TimeSpan retention, TimeSpan claimTimeout)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(retention, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(claimTimeout, TimeSpan.Zero);
        _timeProvider = timeProvider;
        _retention = retention;
        _claimTimeout = claimTimeout;
        _nextSweep = timeProvider.GetUtcNow() + SweepInterval;
    }

    /// <summary>How many commands are remembered (claimed or completed), expired ones not yet swept included.</summary>
    internal int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    /// <inheritdoc />
    public ValueTask<StepInboxClaim> TryClaimAsync(StepInboxKey key, CancellationToken cancellationToken = default)
    {
        var now = _timeProvider.GetUtcNow();
        lock (_lock)
        {
            SweepIfDue(now);
            if (_entries.TryGetValue(key, out var entry) && entry.ExpiresAt > now)
            {
                return ValueTask.FromResult(entry.Reply is { } reply ? StepInboxClaim.Completed(reply) : StepInboxClaim.InProgress());
            }

            var leaseId = Guid.NewGuid();
            _entries[key] = new Entry(leaseId, null, now + _claimTimeout);
            return ValueTask.FromResult(StepInboxClaim.Claimed(leaseId));
        }
    }

    /// <inheritdoc />
    public ValueTask<ReadOnlyMemory<byte>> CompleteAsync(StepInboxKey key, Guid leaseId, ReadOnlyMemory<byte> reply, CancellationToken cancellationToken = default)
    {
        var now = _timeProvider.GetUtcNow();
        lock (_lock)
        {
            if (_entries.TryGetValue(key, out var entry) && entry.Reply is { } stored && entry.ExpiresAt > now)
            {
                return ValueTask.FromResult(stored);
            }

            // A copy: the caller may reuse its buffer.
            var copy = reply.ToArray();
            _entries[key] = new Entry(leaseId, copy, now + _retention);
            return ValueTask.FromResult<ReadOnlyMemory<byte>>(copy);
        }
    }

    /// <inheritdoc />
    public ValueTask ReleaseAsync(StepInboxKey key, Guid leaseId, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(key, out var entry) && entry.Reply is null && entry.LeaseId == leaseId)
            {
                _entries.Remove(key);
            }
        }

        return ValueTask.CompletedTask;
    }

    private void SweepIfDue(DateTimeOffset now)
    {
        if (now < _nextSweep)
        {
            return;
        }

        _nextSweep = now + SweepInterval;
        foreach (var (key, entry) in _entries.Where(e => e.Value.ExpiresAt <= now).ToList())
        {
            _entries.Remove(key);
        }
    }

    private sealed record Entry(Guid LeaseId, ReadOnlyMemory<byte>? Reply, DateTimeOffset ExpiresAt);
}
