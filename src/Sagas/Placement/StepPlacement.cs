using System.Globalization;

namespace Sagas.Placement;

/// <summary>
/// The placement rule of one step, without I/O: given its <see cref="StepOverflow"/> settings and the load of its handler
/// in this process, whether the next command runs here or overflows, with hysteresis (it remembers whether the step is
/// overflowing). Tested as a table (<c>tests/Sagas.Tests/Placement/StepPlacementTests.cs</c>).
/// </summary>
internal sealed class StepPlacement
{
    private readonly Lock _gate = new();
    private bool _overflowing;

    public PlacementDecision Decide(StepOverflow options, int inFlight, TimeSpan? latency, TimeSpan? queueWait = null, int? queueDepth = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        lock (_gate)
        {
            if (!_overflowing)
            {
                if (options.MaxInFlight is { } max && inFlight >= max)
                {
                    _overflowing = true;
                    return new(true, Text($"overflow: {inFlight} in flight, at most {max}"));
                }

                if (options.LatencyTarget is { } target && latency > target)
                {
                    _overflowing = true;
                    return new(true, Text($"overflow: latency {Ms(latency.Value)} above {Ms(target)}"));
                }

                if (options.QueueWaitTarget is { } wait && queueWait > wait)
                {
                    _overflowing = true;
                    return new(true, Text($"overflow: waited {Ms(queueWait.Value)} in the queue, above {Ms(wait)}"));
                }

                if (options.MaxQueueDepth is { } depth && queueDepth >= depth)
                {
                    _overflowing = true;
                    return new(true, Text($"overflow: {queueDepth} waiting in the queue, at most {depth}"));
                }

                return new(false, Text($"primary: {inFlight} in flight"));
            }

            var inFlightBelow = options.MaxInFlight is not { } limit || inFlight <= limit * options.ResumeBelow;
            var latencyBelow = options.LatencyTarget is not { } goal || latency is null || latency <= goal * options.ResumeBelow;
            var waitBelow = options.QueueWaitTarget is not { } waitGoal || queueWait is null || queueWait <= waitGoal * options.ResumeBelow;
            var depthBelow = options.MaxQueueDepth is not { } depthGoal || queueDepth is null || queueDepth <= depthGoal * options.ResumeBelow;
            if (inFlightBelow && latencyBelow && waitBelow && depthBelow)
            {
                _overflowing = false;
                return new(false, Text($"primary again: {inFlight} in flight{(latency is { } l ? $", latency {Ms(l)}" : string.Empty)}"));
            }

            return new(true, !inFlightBelow
                ? Text($"overflow: {inFlight} in flight, back at {options.MaxInFlight!.Value * options.ResumeBelow:0.#}")
                : !latencyBelow
                    ? Text($"overflow: latency {Ms(latency!.Value)}, back under {Ms(options.LatencyTarget!.Value * options.ResumeBelow)}")
                    : !waitBelow
                        ? Text($"overflow: waited {Ms(queueWait!.Value)} in the queue, back under {Ms(options.QueueWaitTarget!.Value * options.ResumeBelow)}")
                        : Text($"overflow: {queueDepth} waiting in the queue, back at {options.MaxQueueDepth!.Value * options.ResumeBelow:0.#}"));
        }
    }

    private static string Ms(TimeSpan value) => string.Create(CultureInfo.InvariantCulture, $"{value.TotalMilliseconds:0} ms");

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
