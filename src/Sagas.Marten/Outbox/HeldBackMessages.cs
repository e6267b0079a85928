using Sagas.Steps;

namespace Sagas.Marten.Outbox;

/// <summary>
/// The outbox rows whose send failed in a relay pass, each with when to try it again: the relay does not claim a row until
/// then, so that messages the broker keeps refusing do not hold up the rest. Only this relay's memory: another relay (or this
/// one after a restart) tries the row with its full retries once.
/// </summary>
/// <remarks>Used by one relay loop at a time; locked anyway, as tests drive passes too.</remarks>
internal sealed class HeldBackMessages(TimeSpan firstDelay, TimeSpan maxDelay)
{
    /// <summary>A row not tried for this long is forgotten (sent by another relay, or deleted).</summary>
    private static readonly TimeSpan ForgetAfter = TimeSpan.FromMinutes(10);

    // The steps' backoff: doubling from the first delay, at most the longest; no jitter, as one relay tries its rows in turn.
    private readonly StepRetryOptions _backoff = new() { InitialDelay = firstDelay, BackoffFactor = 2, MaxDelay = maxDelay, Jitter = 0 };
    private readonly Dictionary<long, (int Failures, DateTimeOffset RetryAt)> _rows = [];
    private readonly Lock _gate = new();

    /// <summary>Whether the row failed before.</summary>
    public bool Contains(long seq)
    {
        lock (_gate)
        {
            return _rows.ContainsKey(seq);
        }
    }

    /// <summary>The rows whose backoff has not passed yet: not to be claimed now. Forgets rows not tried for a long time.</summary>
    public long[] Waiting(DateTimeOffset now)
    {
        lock (_gate)
        {
            if (_rows.Count == 0)
            {
                return [];
            }

            List<long> waiting = [];
            foreach (var (seq, row) in _rows)
            {
                if (now < row.RetryAt)
                {
                    waiting.Add(seq);
                }
                else if (now - row.RetryAt > ForgetAfter)
                {
                    _rows.Remove(seq); // removing the current entry while enumerating is allowed
                }
            }

            return [.. waiting];
        }
    }

    /// <summary>Records a failed send of the row; returns how long it waits before the next try.</summary>
    public TimeSpan Failed(long seq, DateTimeOffset now)
    {
        lock (_gate)
        {
            var failures = _rows.TryGetValue(seq, out var row) ? row.Failures + 1 : 1;
            var delay = _backoff.DelayBefore(failures + 1, Guid.Empty);
            _rows[seq] = (failures, now + delay);
            return delay;
        }
    }

    /// <summary>The row was sent: it is no longer held back.</summary>
    public void Sent(long seq)
    {
        lock (_gate)
        {
            _rows.Remove(seq);
        }
    }
}
