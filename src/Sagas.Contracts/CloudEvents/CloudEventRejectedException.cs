namespace Sagas.CloudEvents;

/// <summary>
/// An incoming event that can never be processed: malformed CloudEvent, unknown <c>type</c>, data that does
/// not match its contract, or a contract validator that failed. Such an event must be dead-lettered with
/// <see cref="Reasons"/>, never retried.
/// </summary>
public sealed class CloudEventRejectedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CloudEventRejectedException(string? eventType, string? eventId, string? source, IReadOnlyList<string> reasons)
        : base(FormatMessage(eventType, eventId, source, reasons))
    {
        EventType = eventType;
        EventId = eventId;
        EventSource = source;
        Reasons = reasons;
    }

    /// <summary>Creates the exception with a single reason.</summary>
    public CloudEventRejectedException(string reason)
        : this(null, null, null, [reason])
    {
    }

    /// <summary>Creates the exception; prefer the constructors that name the event.</summary>
    public CloudEventRejectedException()
        : this("the event was rejected")
    {
    }

    /// <summary>Creates the exception; prefer the constructors that name the event.</summary>
    public CloudEventRejectedException(string message, Exception innerException)
        : base(message, innerException)
    {
        Reasons = [message];
    }

    /// <summary>The CloudEvents <c>type</c>, when it could be read.</summary>
    public string? EventType { get; }

    /// <summary>The CloudEvents <c>id</c>, when it could be read.</summary>
    public string? EventId { get; }

    /// <summary>The CloudEvents <c>source</c>, when it could be read.</summary>
    public string? EventSource { get; }

    /// <summary>Why the event was rejected, one entry per problem (e.g. one per failed validation rule).</summary>
    public IReadOnlyList<string> Reasons { get; }

    private static string FormatMessage(string? eventType, string? eventId, string? source, IReadOnlyList<string> reasons)
    {
        var what = eventType is null ? "CloudEvent" : $"CloudEvent '{eventType}'";
        if (eventId is not null)
        {
            what += $" id '{eventId}'";
        }

        if (source is not null)
        {
            what += $" from '{source}'";
        }

        return $"{what} was rejected: {string.Join("; ", reasons)}";
    }
}
