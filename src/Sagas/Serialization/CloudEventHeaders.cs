namespace Sagas.Serialization;

/// <summary>
/// Names of the MassTransit headers through which the CloudEvents serializer exposes an incoming event's
/// attributes to filters and consumers (and takes outgoing extension attributes from).
/// </summary>
public static class CloudEventHeaders
{
    /// <summary>The incoming event's CloudEvents <c>id</c>.</summary>
    public const string Id = "ce-id";

    /// <summary>The incoming event's CloudEvents <c>source</c>.</summary>
    public const string Source = "ce-source";

    /// <summary>The incoming event's CloudEvents <c>type</c>.</summary>
    public const string Type = "ce-type";

    /// <summary>The incoming event's CloudEvents <c>subject</c>.</summary>
    public const string Subject = "ce-subject";
}
