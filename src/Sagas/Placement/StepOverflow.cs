namespace Sagas.Placement;

/// <summary>
/// Overflow for a routed step: its command runs in this process (its <c>AddStep</c> handler, the primary host) while that
/// keeps up, and goes to the route's function (the overflow host) while it is behind. Each command is placed when it is
/// taken: overflow once the handler's executions in flight reach <see cref="MaxInFlight"/>, their recent latency passes
/// <see cref="LatencyTarget"/>, the command waited in its queue longer than <see cref="QueueWaitTarget"/>, or the queue holds
/// <see cref="MaxQueueDepth"/> messages; back to this
/// process once each is under <see cref="ResumeBelow"/> of its threshold, so a load near a threshold does not flap between
/// the hosts. The placement and its reason are recorded in the saga's history
/// (<see cref="Steps.StepHistoryKind.Placed"/>) and counted (<c>sagas.step.placements</c>).
/// </summary>
public sealed class StepOverflow
{
    /// <summary>Executions of the step's handler in flight in this process at which new commands overflow. Default: none.</summary>
    public int? MaxInFlight { get; set; }

    /// <summary>Recent latency of the step's handler in this process above which new commands overflow. Default: none.</summary>
    public TimeSpan? LatencyTarget { get; set; }

    /// <summary>
    /// How long a command may have waited in its queue (from its CloudEvents <c>time</c>, when it was committed, to when this
    /// process takes it) before new commands overflow: the queue is backing up, whatever this process's own executions
    /// say (a process takes a command only when it has a free slot, so with a full one its in-flight count never passes
    /// its limit). Hosts' clocks should agree to well within it. Default: none.
    /// </summary>
    public TimeSpan? QueueWaitTarget { get; set; }

    /// <summary>
    /// Messages waiting in the step's queue (delivered to no consumer yet) at which new commands overflow: the backlog as the
    /// broker counts it, read by a transport that can (<see cref="IQueueDepths"/>: <c>UseRabbitMq</c> samples it in the
    /// background). A transport that cannot is refused at start. Default: none.
    /// </summary>
    public int? MaxQueueDepth { get; set; }

    /// <summary>
    /// The share of each threshold under which an overflowing step comes back to this process (hysteresis): with
    /// <see cref="MaxInFlight"/> 8 and 0.5, it overflows at 8 in flight and comes back at 4. In (0, 1]; default 0.5.
    /// </summary>
    public double ResumeBelow { get; set; } = 0.5;

    /// <summary>
    /// How long a latency observed in this process counts as recent: with no execution of its own for that long (all of
    /// them overflowing, say) the step's latency is unknown again and does not keep it overflowing. Default 10 s.
    /// </summary>
    public TimeSpan LatencyWindow { get; set; } = TimeSpan.FromSeconds(10);
}
