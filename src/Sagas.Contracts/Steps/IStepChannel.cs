using CloudNative.CloudEvents;

namespace Sagas.Steps;

/// <summary>
/// A queue between a saga application and the functions that run its steps (SQS, Azure Storage Queues, ...):
/// the command goes out now; its reply comes back later, through a listener, to <see cref="IStepReplyHandler"/>.
/// Routed by name from the saga application's step routing configuration.
/// </summary>
public interface IStepChannel
{
    /// <summary>The name routes use to pick this channel.</summary>
    string Name { get; }

    /// <summary>Sends a step command (a structured CloudEvent carrying the saga attributes).</summary>
    Task SendAsync(CloudEvent command, CancellationToken cancellationToken);
}

/// <summary>Takes a step reply that arrived outside the bus (from a channel's reply listener) into the saga application.</summary>
public interface IStepReplyHandler
{
    /// <summary>
    /// Hands <paramref name="reply"/> (a <see cref="StepCompleted"/> or <see cref="StepFailed"/> CloudEvent) to its
    /// saga. Throws <see cref="CloudEvents.CloudEventRejectedException"/> when the reply can never be handled; the
    /// listener then dead-letters it. Redelivering the same reply is harmless.
    /// </summary>
    Task HandleAsync(CloudEvent reply, CancellationToken cancellationToken);
}
