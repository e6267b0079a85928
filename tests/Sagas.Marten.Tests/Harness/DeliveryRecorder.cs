using System.Collections.Concurrent;
using Sagas.Marten.Outbox;
using Sagas.Outbox;

namespace Sagas.Marten.Tests.Harness;

/// <summary>The ids of the messages a process sent, inline or by a relay, a batch at a time in the order they were sent.</summary>
internal sealed class DeliveryRecorder : IOutboxCheckpoint
{
    private readonly ConcurrentQueue<Guid> _ids = new();

    public IEnumerable<Guid> Ids => _ids;

    public ValueTask CommittedAsync(OutboxMessage message) => ValueTask.CompletedTask;

    public ValueTask DeliveredAsync(IReadOnlyList<Guid> messageIds)
    {
        lock (_ids) // a batch's ids stay together
        {
            foreach (var id in messageIds)
            {
                _ids.Enqueue(id);
            }
        }

        return ValueTask.CompletedTask;
    }
}
