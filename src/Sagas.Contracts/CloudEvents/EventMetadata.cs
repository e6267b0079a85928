namespace Sagas.CloudEvents;

/// <summary>
/// The CloudEvents context attributes of an outgoing event that do not come from its contract
/// (<c>type</c> and <c>dataschema</c> do).
/// </summary>
public sealed record EventMetadata
{
    /// <summary>The event <c>id</c>; unique per <see cref="Source"/>. Consumers deduplicate on <c>source</c> + <c>id</c>.</summary>
    public required string Id { get; init; }

    /// <summary>The event <c>source</c>: a URI-reference naming the producer, e.g. <c>/checkout/worker</c>.</summary>
    public required Uri Source { get; init; }

    /// <summary>The event <c>subject</c>; Sagas sets it to the saga id.</summary>
    public string? Subject { get; init; }

    /// <summary>The event <c>time</c>.</summary>
    public DateTimeOffset? Time { get; init; }

    /// <summary>The <c>correlationid</c> extension.</summary>
    public string? CorrelationId { get; init; }

    /// <summary>The <c>causationid</c> extension.</summary>
    public string? CausationId { get; init; }

    /// <summary>The <c>traceparent</c> extension (W3C format); ignored when not a valid traceparent.</summary>
    public string? TraceParent { get; init; }

    /// <summary>The <c>tracestate</c> extension; written only together with a valid <see cref="TraceParent"/>.</summary>
    public string? TraceState { get; init; }

    /// <summary>Further extension attributes, by name. Names must follow the CloudEvents naming rule.</summary>
    public IReadOnlyDictionary<string, object>? Extensions { get; init; }
}
