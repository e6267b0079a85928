namespace Sagas.DeadLetters;

/// <summary>An event that can never be processed as it is, with why. The transport also keeps its copy in the endpoint's error queue.</summary>
/// <param name="Id">The record's id (time-ordered: ids sort oldest first).</param>
/// <param name="At">When it was dead-lettered.</param>
/// <param name="Endpoint">The endpoint (queue) that received it: its input address path (a RabbitMQ virtual host, then the queue).</param>
/// <param name="EventId">Its CloudEvents <c>id</c>, when readable.</param>
/// <param name="EventType">Its CloudEvents <c>type</c>, when readable.</param>
/// <param name="Source">Its CloudEvents <c>source</c>, when readable.</param>
/// <param name="Reasons">Why it was rejected, one entry per problem.</param>
/// <param name="ContentType">The media type it arrived with.</param>
/// <param name="Body">The message body as received (UTF-8).</param>
public sealed record DeadLetter(
    Guid Id,
    DateTimeOffset At,
    string Endpoint,
    string? EventId,
    string? EventType,
    string? Source,
    IReadOnlyList<string> Reasons,
    string ContentType,
    string Body)
{
    /// <summary>What an operator did with it (redelivered or discarded), or <see langword="null"/> while it waits for one.</summary>
    public DeadLetterResolution? Resolution { get; init; }

    /// <summary>The queue the event was received from: the last segment of <see cref="Endpoint"/>, where a redelivery goes.</summary>
    public string Queue => Endpoint[(Endpoint.LastIndexOf('/') + 1)..];
}
