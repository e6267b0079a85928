namespace Sagas.Outbox;

/// <summary>Delivers committed outbox messages to the transport.</summary>
public interface IOutboxDispatcher
{
    /// <summary>
    /// Hands messages that were just committed over for delivery: at once, or at their due time. Delivery is
    /// at least once; receivers deduplicate by CloudEvents <c>source</c> + <c>id</c>.
    /// </summary>
    Task DispatchAsync(IReadOnlyList<OutboxMessage> messages, CancellationToken cancellationToken);
}
