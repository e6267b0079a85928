using System.Collections.Concurrent;

namespace Sagas.Inbox;

/// <summary>
/// Lets one copy of an event at a time through at one endpoint of this process: a second copy that arrives while the
/// first is being handled (the outbox sent it again, the broker holds both, the endpoint prefetched both) waits for the
/// first to commit, then meets its inbox record and is absorbed, instead of running the handler a second time. Copies
/// handled in two processes at once are still settled by the commit (the second is refused), which is why handlers get an
/// idempotency key.
/// </summary>
internal sealed class InboxGate
{
    private readonly ConcurrentDictionary<InboxKey, TaskCompletionSource> _inFlight = new();

    public async ValueTask<Lease> EnterAsync(InboxKey key, CancellationToken cancellationToken)
    {
        while (true)
        {
            var mine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_inFlight.TryAdd(key, mine))
            {
                return new Lease(this, key, mine);
            }

            if (_inFlight.TryGetValue(key, out var first))
            {
                await first.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Held while one copy is handled; disposing it lets the next copy in.</summary>
    internal readonly struct Lease(InboxGate gate, InboxKey key, TaskCompletionSource held) : IDisposable
    {
        public void Dispose()
        {
            gate._inFlight.TryRemove(new KeyValuePair<InboxKey, TaskCompletionSource>(key, held));
            held.TrySetResult();
        }
    }
}
