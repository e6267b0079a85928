using CloudNative.CloudEvents;

namespace Sagas.CloudEvents;

/// <summary>
/// The CloudEvents extension attributes Sagas reads and writes. Names follow the CloudEvents naming rule
/// (lower-case ASCII letters and digits, at most 20 characters), so any CloudEvents SDK can carry them.
/// </summary>
public static class SagaAttributes
{
    /// <summary><c>correlationid</c>: the business transaction an event belongs to (the saga id for saga traffic).</summary>
    public static CloudEventAttribute CorrelationId { get; } = CloudEventAttribute.CreateExtension("correlationid", CloudEventAttributeType.String);

    /// <summary><c>causationid</c>: the <c>id</c> of the event that caused this one.</summary>
    public static CloudEventAttribute CausationId { get; } = CloudEventAttribute.CreateExtension("causationid", CloudEventAttributeType.String);

    /// <summary><c>traceparent</c>: W3C trace context of the starting trace (CloudEvents Distributed Tracing extension).</summary>
    public static CloudEventAttribute TraceParent { get; } = CloudEventAttribute.CreateExtension("traceparent", CloudEventAttributeType.String);

    /// <summary><c>tracestate</c>: W3C trace state that goes with <see cref="TraceParent"/>.</summary>
    public static CloudEventAttribute TraceState { get; } = CloudEventAttribute.CreateExtension("tracestate", CloudEventAttributeType.String);

    /// <summary><c>sagastep</c>: on a step command, the name of the saga step it executes or compensates.</summary>
    public static CloudEventAttribute Step { get; } = CloudEventAttribute.CreateExtension("sagastep", CloudEventAttributeType.String);

    /// <summary><c>sagaattempt</c>: on a step command, the attempt number, starting at 1.</summary>
    public static CloudEventAttribute Attempt { get; } = CloudEventAttribute.CreateExtension("sagaattempt", CloudEventAttributeType.Integer);

    /// <summary><c>sagacompensate</c>: on a step command, <c>true</c> when it undoes the step rather than executing it.</summary>
    public static CloudEventAttribute Compensate { get; } = CloudEventAttribute.CreateExtension("sagacompensate", CloudEventAttributeType.Boolean);

    /// <summary>
    /// <c>sagaplacement</c>: on a step reply, where the command ran when its step can overflow (<c>primary</c> or
    /// <c>overflow</c>) and why, for the saga's history. A command sent to its function through a queue carries it, and
    /// the function's reply carries it back.
    /// </summary>
    public static CloudEventAttribute Placement { get; } = CloudEventAttribute.CreateExtension("sagaplacement", CloudEventAttributeType.String);

    /// <summary>Every extension attribute above, for parsers that need the typed definitions.</summary>
    public static IReadOnlyList<CloudEventAttribute> All { get; } = [CorrelationId, CausationId, TraceParent, TraceState, Step, Attempt, Compensate, Placement];
}
