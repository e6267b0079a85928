using System.Collections.Concurrent;
using System.Diagnostics;
using Checkout.Saga;
using Sagas.Persistence;

namespace Checkout.Simulation;

/// <summary>Watches saga commits and records when each order reached a terminal state.</summary>
public sealed class OrderTracker : ISagaCommitObserver<CheckoutState>
{
    private static readonly HashSet<string> TerminalStates = ["Completed", "Rejected", "Compensated", "Faulted"];
    private readonly ConcurrentDictionary<Guid, long> _submitted = new();
    private readonly ConcurrentDictionary<Guid, (string State, double LatencyMs, string? Reason)> _terminal = new();
    private readonly TaskCompletionSource _allDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _expected = int.MaxValue;

    /// <summary>Orders that reached a terminal state so far.</summary>
    public int TerminalCount => _terminal.Count;

    /// <summary>Terminal state, latency and reason per order.</summary>
    public IReadOnlyDictionary<Guid, (string State, double LatencyMs, string? Reason)> Results => _terminal;

    /// <summary>Raised once per order when it reaches a terminal state.</summary>
    public event Action<Guid>? Terminal;

    /// <summary>Notes that an order was submitted now.</summary>
    public void Submitted(Guid orderId) => _submitted[orderId] = Stopwatch.GetTimestamp();

    /// <summary>Completes when <paramref name="count"/> orders are terminal, or when <paramref name="cancellationToken"/> fires.</summary>
    public Task WaitForAsync(int count, CancellationToken cancellationToken)
    {
        Volatile.Write(ref _expected, count);
        if (_terminal.Count >= count)
        {
            _allDone.TrySetResult();
        }

        return _allDone.Task.WaitAsync(cancellationToken);
    }

    /// <inheritdoc />
    public void OnCommitted(Guid sagaId, CheckoutState state)
    {
        if (!TerminalStates.Contains(state.CurrentState) || !_submitted.TryGetValue(sagaId, out var started))
        {
            return;
        }

        var latency = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        if (!_terminal.TryAdd(sagaId, (state.CurrentState, latency, state.Reason)))
        {
            return;
        }

        Terminal?.Invoke(sagaId);
        if (_terminal.Count >= Volatile.Read(ref _expected))
        {
            _allDone.TrySetResult();
        }
    }
}
