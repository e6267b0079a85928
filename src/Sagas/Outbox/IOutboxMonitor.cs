namespace Sagas.Outbox;

/// <summary>Tells how far behind outbox delivery is; the outbox health check reads it.</summary>
public interface IOutboxMonitor
{
    /// <summary>
    /// How long the oldest deliverable message has been waiting (since its commit, or its due time when it has one);
    /// <see cref="TimeSpan.Zero"/> when nothing is waiting.
    /// </summary>
    ValueTask<TimeSpan> OldestUndeliveredAgeAsync(CancellationToken cancellationToken);
}
