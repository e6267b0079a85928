using Sagas.Outbox;

namespace Sagas.Marten.Outbox;

/// <summary>
/// Observes outbox delivery at the points where a crash matters: after the commit and before the send, and
/// after the send and before the delete. Crash tests stop the process there; production registers none.
/// </summary>
internal interface IOutboxCheckpoint
{
    ValueTask CommittedAsync(OutboxMessage message);

    ValueTask DeliveredAsync(IReadOnlyList<Guid> messageIds);
}
