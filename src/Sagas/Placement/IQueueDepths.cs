namespace Sagas.Placement;

/// <summary>
/// How many messages wait in a receive endpoint's queue, as its broker counts them (delivered to no consumer yet): the
/// backlog <see cref="StepOverflow.MaxQueueDepth"/> compares. Registered by a transport that can tell
/// (<c>UseRabbitMq</c>); asked on every placement, so it answers from what it sampled, without I/O.
/// </summary>
public interface IQueueDepths
{
    /// <summary>The messages waiting in the queue of the endpoint at <paramref name="inputAddress"/>, as last sampled; <see langword="null"/> while not known.</summary>
    /// <param name="inputAddress">The endpoint's input address, as MassTransit gives it (<c>rabbitmq://host/vhost/queue</c>).</param>
    int? DepthOf(Uri inputAddress);
}
