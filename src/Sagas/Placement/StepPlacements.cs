using System.Collections.Concurrent;
using Sagas.Diagnostics;

namespace Sagas.Placement;

/// <summary>The load and the placement rule of each overflowing step of this process, by the command's CloudEvents type.</summary>
internal sealed class StepPlacements(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, (StepLoad Load, StepPlacement Placement)> _steps = new(StringComparer.Ordinal);

    /// <summary>Places one command of <paramref name="eventType"/> (of step <paramref name="step"/>) and counts the decision.</summary>
    /// <param name="eventType">The command's CloudEvents type.</param>
    /// <param name="step">The step, for the metric.</param>
    /// <param name="options">The step's overflow settings.</param>
    /// <param name="sentAt">When the command was committed (its CloudEvents <c>time</c>), if it says.</param>
    public PlacementDecision Decide(string eventType, string step, StepOverflow options, DateTimeOffset? sentAt)
    {
        var (load, placement) = Of(eventType);
        var (inFlight, latency) = load.Now(options.LatencyWindow);
        var queueWait = sentAt is { } sent ? time.GetUtcNow() - sent : (TimeSpan?)null;
        var decision = placement.Decide(options, inFlight, latency, queueWait);
        SagasDiagnostics.StepPlacements.Add(1, new("step", step), new("host", decision.Host));
        return decision;
    }

    /// <summary>The load of <paramref name="eventType"/>'s handler in this process.</summary>
    public StepLoad LoadOf(string eventType) => Of(eventType).Load;

    private (StepLoad Load, StepPlacement Placement) Of(string eventType)
        => _steps.GetOrAdd(eventType, static (_, time) => (new StepLoad(time), new StepPlacement()), time);
}
