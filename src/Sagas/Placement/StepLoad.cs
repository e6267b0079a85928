namespace Sagas.Placement;

/// <summary>
/// How loaded one step's handler is in this process: its executions in flight and their recent latency (an exponentially
/// weighted average of the last completions, forgotten after <see cref="StepOverflow.LatencyWindow"/> without one).
/// </summary>
internal sealed class StepLoad(TimeProvider time)
{
    private const double Weight = 0.2; // each completion moves the average a fifth of the way
    private readonly Lock _gate = new();
    private int _inFlight;
    private double _latencyMs;
    private long _lastCompletion;
    private bool _hasLatency;

    /// <summary>An execution starts; dispose what it returns when it ends.</summary>
    public Execution Start()
    {
        Interlocked.Increment(ref _inFlight);
        return new Execution(this, time.GetTimestamp());
    }

    /// <summary>The load now: executions in flight, and the recent latency if one was seen within <paramref name="window"/>.</summary>
    public (int InFlight, TimeSpan? Latency) Now(TimeSpan window)
    {
        lock (_gate)
        {
            var recent = _hasLatency && time.GetElapsedTime(_lastCompletion) <= window;
            return (Volatile.Read(ref _inFlight), recent ? TimeSpan.FromMilliseconds(_latencyMs) : null);
        }
    }

    private void End(long started)
    {
        var now = time.GetTimestamp();
        var took = time.GetElapsedTime(started, now).TotalMilliseconds;
        lock (_gate)
        {
            _latencyMs = _hasLatency ? _latencyMs + (Weight * (took - _latencyMs)) : took;
            _hasLatency = true;
            _lastCompletion = now;
        }

        Interlocked.Decrement(ref _inFlight);
    }

    /// <summary>One execution of the handler in this process.</summary>
    internal readonly struct Execution(StepLoad load, long started) : IDisposable
    {
        public void Dispose() => load.End(started);
    }
}
