using System.Collections.Concurrent;
using System.Diagnostics;

namespace Wolverine.Benchmarks;

/// <summary>Each order's latency from submission to its saga's last transition.</summary>
/// <remarks>
/// A Wolverine handler runs before its transaction commits, so an order counts as done when its last transition
/// runs, a little before it is committed; Sagas' benchmark counts after the commit. This favours Wolverine slightly.
/// </remarks>
public sealed class Completion
{
    private readonly ConcurrentDictionary<Guid, (long At, TaskCompletionSource Done)> _submitted = new();
    private ConcurrentQueue<double> _latencies = new();

    public IEnumerable<double> Latencies => _latencies;

    /// <summary>Forgets the latencies so far (after the warm-up).</summary>
    public void Reset() => _latencies = new();

    /// <summary>Starts the clock of order <paramref name="id"/>; the task completes when it is done.</summary>
    public Task Submitted(Guid id)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _submitted[id] = (Stopwatch.GetTimestamp(), done);
        return done.Task;
    }

    public void Done(Guid id)
    {
        if (_submitted.TryRemove(id, out var submitted)) // else a redelivery of a transition already counted
        {
            _latencies.Enqueue(Stopwatch.GetElapsedTime(submitted.At).TotalMilliseconds);
            submitted.Done.TrySetResult();
        }
    }
}
