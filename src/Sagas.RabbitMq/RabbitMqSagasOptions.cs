namespace Sagas.RabbitMq;

/// <summary>The kind of queue Sagas declares for its endpoints.</summary>
public enum RabbitMqQueueType
{
    /// <summary>Quorum queues: durable and replicated (Raft); the default.</summary>
    Quorum,

    /// <summary>Classic durable queues, for brokers or policies that need them.</summary>
    Classic,
}

/// <summary>Settings of the RabbitMQ transport.</summary>
public sealed class RabbitMqSagasOptions
{
    /// <summary>The broker as an AMQP URI, e.g. <c>amqp://user:password@rabbit:5672/vhost</c>. Required.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The queue type of every receive endpoint (and its error queue). Default <see cref="RabbitMqQueueType.Quorum"/>.</summary>
    public RabbitMqQueueType QueueType { get; set; } = RabbitMqQueueType.Quorum;

    /// <summary>Whether a send waits for the broker's confirmation. Default <see langword="true"/>.</summary>
    public bool PublisherConfirmation { get; set; } = true;

    /// <summary>
    /// Unacknowledged messages the broker hands each endpoint at once. Default 64; keep it at or above
    /// <see cref="SagasOptions.ConcurrentMessageLimit"/> so every consumer slot has work.
    /// </summary>
    public ushort PrefetchCount { get; set; } = 64;

    /// <summary>
    /// Delays before each new attempt of a message whose handling failed with an exception other than a
    /// rejection or an outage of the infrastructure (a bug in a handler, say); after the last one it goes to the error
    /// queue. An outage of the database, the broker or the network is not counted here: it is retried until it ends.
    /// Default 100 ms, 500 ms, 2 s, 5 s, 10 s.
    /// </summary>
    public IList<TimeSpan> RedeliveryIntervals { get; } =
        [TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10)];

    /// <summary>
    /// Whether every message is sent <c>mandatory</c>: a message the broker cannot route to any queue (its exchange has
    /// no queue bound yet, as on a broker that came back empty) is returned and the send fails, instead of being dropped,
    /// so the outbox keeps it and sends it again once the receiving side has declared its queue. Needs
    /// <see cref="PublisherConfirmation"/>. Default <see langword="true"/>.
    /// </summary>
    public bool Mandatory { get; set; } = true;

    /// <summary>
    /// How often the depth of a queue whose step overflows at <see cref="Sagas.Placement.StepOverflow.MaxQueueDepth"/> is read
    /// from the broker (on a connection of its own, only for such queues). Default 1 second.
    /// </summary>
    public TimeSpan QueueDepthInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How often each receive endpoint MassTransit reports running is looked up on the broker (on a connection of its own):
    /// one whose queue has no consumer at two checks in a row is restarted. MassTransit's endpoints have been seen to miss
    /// a dropped connection and stop consuming for good. Default 30 seconds; <see cref="TimeSpan.Zero"/> turns it off.
    /// </summary>
    public TimeSpan ConsumerCheckInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The connection name shown by the broker's management tools. Default: the entry assembly's name.</summary>
    public string? ConnectionName { get; set; }

    internal Uri HostAddress => new(ConnectionString!);

    internal static string Redacted(string value)
        => Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.UserInfo.Length > 0 ? value.Replace(uri.UserInfo, "***", StringComparison.Ordinal) : value;
}
