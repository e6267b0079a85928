using System.Collections.Concurrent;
using Sagas.Diagnostics;

namespace Sagas.Placement;

/// <summary>The load and the placement rule of each overflowing step of this process, by the command's CloudEvents type.</summary>
internal sealed class StepPlacements(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, (StepLoad Load, StepPlacement Placement)> _steps = new(StringComparer.Ordinal);

    /// <summary>Whether one command of <paramref name="eventType"/> runs here or overflows, by the load of its handler here.</summary>
    /// <param name="eventType">The command's CloudEvents type.</param>
    /// <param name="options">The step's overflow settings.</param>
    /// <param name="sentAt">When the command was committed (its CloudEvents <c>time</c>), if it says.</param>
    /// <param name="queueDepth">The messages waiting in its queue, if the transport tells.</param>
    public PlacementDecision Decide(string eventType, StepOverflow options, DateTimeOffset? sentAt, int? queueDepth = null)
    {
        var (load, placement) = Of(eventType);
        var (inFlight, latency) = load.Now(options.LatencyWindow);
        var queueWait = sentAt is { } sent ? time.GetUtcNow() - sent : (TimeSpan?)null;
        return placement.Decide(options, inFlight, latency, queueWait, queueDepth);
    }

    /// <summary>Counts where a command of <paramref name="step"/> went, once its host is chosen (<c>sagas.step.placements</c>).</summary>
    public static void Count(string step, PlacementDecision decision)
        => SagasDiagnostics.StepPlacements.Add(1, new("step", step), new("host", decision.Host));

    /// <summary>The load of <paramref name="eventType"/>'s handler in this process.</summary>
    public StepLoad LoadOf(string eventType) => Of(eventType).Load;

    private (StepLoad Load, StepPlacement Placement) Of(string eventType)
        => _steps.GetOrAdd(eventType, static (_, time) => (new StepLoad(time), new StepPlacement()), time);
}
