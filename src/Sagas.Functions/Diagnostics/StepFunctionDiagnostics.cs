using System.Diagnostics;
using Sagas.CloudEvents;

namespace Sagas.Functions.Diagnostics;

/// <summary>
/// The <see cref="ActivitySource"/> of function hosts, named <c>Sagas.Functions</c>: one <c>run &lt;step&gt;</c> span per
/// step command, a child of the <c>traceparent</c> the command carries; the reply carries this span on, so the saga's
/// trace continues through the function and back. Add it with <c>.AddSource("Sagas.Functions")</c>.
/// </summary>
public static class StepFunctionDiagnostics
{
    /// <summary>The activity source name.</summary>
    public const string Name = "Sagas.Functions";

    /// <summary>Spans of step executions in a function host.</summary>
    public static ActivitySource ActivitySource { get; } = new(Name);

    internal static Activity? StartRun(string endpoint, string step, string? eventType, string? eventId, Guid sagaId, int attempt, string? traceParent, string? traceState)
    {
        if (!ActivitySource.HasListeners())
        {
            return null;
        }

        var parent = TraceContext.ParentOf(traceParent, traceState);
        var activity = ActivitySource.StartActivity($"run {step}", ActivityKind.Consumer, parent);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("messaging.destination.name", endpoint);
            activity.SetTag("cloudevents.event_type", eventType);
            activity.SetTag("cloudevents.event_id", eventId);
            activity.SetTag("sagas.saga_id", sagaId.ToString());
            activity.SetTag("sagas.step", step);
            activity.SetTag("sagas.attempt", attempt);
        }

        return activity;
    }
}
