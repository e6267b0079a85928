namespace Sagas.Outbox;

/// <summary>
/// A message waiting in the outbox: committed together with the state change that produced it and
/// delivered to the transport afterwards, at or after <see cref="DueTime"/> when it has one.
/// </summary>
public sealed record OutboxMessage
{
    /// <summary>The message id (also the CloudEvents <c>id</c>); deliveries of one message share it, so receivers can deduplicate.</summary>
    public required Guid Id { get; init; }

    /// <summary>Where to deliver: a queue address, or the publish address of the message type.</summary>
    public required Uri Destination { get; init; }

    /// <summary>The media type of <see cref="Body"/>, normally <c>application/cloudevents+json</c>.</summary>
    public required string ContentType { get; init; }

    private readonly ReadOnlyMemory<byte> _body;
    private readonly BodyWrittenLater? _writtenLater;

    /// <summary>The serialized message as it goes on the wire.</summary>
    public required ReadOnlyMemory<byte> Body
    {
        get => _writtenLater?.Bytes ?? _body;
        init => _body = value;
    }

    /// <summary>
    /// Writes <see cref="Body"/> when it is first read instead of now: for a step timer, which a step's reply usually
    /// withdraws long before it is due, so that in memory it is never written at all. A store that keeps the body (on
    /// PostgreSQL) reads it at its commit. Only for a message whose writing cannot fail.
    /// </summary>
    internal Func<byte[]>? WriteBody
    {
        init => _writtenLater = value is null ? null : new BodyWrittenLater(value);
    }

    /// <summary>
    /// The saga the message belongs to, if any (its correlation id on the transport): a saga's own commands and timers, or a
    /// step's reply to it. Delivery keeps the order of the messages a saga's transitions commit, per saga.
    /// </summary>
    public Guid? SagaId { get; init; }

    /// <summary>
    /// Whether the message is a saga's own: its transition committed it, correlated to itself (<see cref="SagaId"/> is that
    /// saga's). Only such messages keep their saga's order on the fast path; a step's reply to the saga (or a message the
    /// saga addresses to another saga) neither waits for them nor holds them.
    /// </summary>
    internal bool SagaCommit { get; init; }

    /// <summary>When the message becomes deliverable; <see langword="null"/> means at once.</summary>
    public DateTimeOffset? DueTime { get; init; }

    /// <summary>
    /// The CloudEvents <c>source</c> of an event published with <see cref="IOutboxPublisher"/>: a store that shares its
    /// database with the consumers' inboxes (PostgreSQL) keeps the message after it is sent, until an inbox or the dead
    /// letters record this <c>source</c> and <see cref="Id"/>, and sends it again while none has. <see langword="null"/>
    /// for every other message, which is done with once sent: a lost step command or reply is asked again at the step's
    /// deadline, but nothing waits for an event that starts a saga.
    /// </summary>
    internal string? ConfirmSource { get; init; }

    /// <summary>Transport headers to set on delivery (besides what the body carries).</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    /// <summary>A body written once, by the first reader (two racing readers write the same bytes; one is kept).</summary>
    private sealed class BodyWrittenLater(Func<byte[]> write)
    {
        private byte[]? _bytes;

        public ReadOnlyMemory<byte>? Bytes => LazyInitializer.EnsureInitialized(ref _bytes, write);
    }
}
