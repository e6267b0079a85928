using System.Diagnostics;
using System.Diagnostics.Metrics;
using Sagas.CloudEvents;
using Sagas.Serialization;
using Sagas.Steps;

namespace Sagas.Diagnostics;

/// <summary>
/// The <see cref="ActivitySource"/> and <see cref="Meter"/> Sagas reports through; both are named <c>Sagas</c>.
/// Add them to OpenTelemetry with <c>.AddSource("Sagas")</c> and <c>.AddMeter("Sagas")</c>.
/// </summary>
/// <remarks>
/// Spans: <c>process &lt;endpoint&gt;</c> for every message a consumer or saga handles (its parent is the
/// <c>traceparent</c> the CloudEvent carries, so one order's hops form one trace across processes and brokers) and
/// <c>send &lt;destination&gt;</c> for every outbox delivery. Metrics are recorded once per committed transition,
/// never for a transition that was rolled back and re-run.
/// </remarks>
public static class SagasDiagnostics
{
    /// <summary>The name of the activity source and the meter.</summary>
    public const string Name = "Sagas";

    /// <summary>Traces of message handling, saga transitions and outbox deliveries.</summary>
    public static ActivitySource ActivitySource { get; } = new(Name);

    /// <summary>Metrics.</summary>
    public static Meter Meter { get; } = new(Name);

    /// <summary>Events acknowledged with no effect because the inbox already held them.</summary>
    public static Counter<long> InboxDuplicates { get; } = Meter.CreateCounter<long>("sagas.inbox.duplicates", description: "Redelivered or duplicated events acknowledged with no effect");

    /// <summary>Events dead-lettered because they can never be processed.</summary>
    public static Counter<long> DeadLetters { get; } = Meter.CreateCounter<long>("sagas.dead_letters", description: "Events moved to an error queue with their reasons");

    /// <summary>Time from a message's commit (or due time) to its delivery by an outbox relay, in milliseconds.</summary>
    public static Histogram<double> OutboxLag { get; } = Meter.CreateHistogram<double>("sagas.outbox.lag", unit: "ms", description: "Delay between an outbox message becoming deliverable and its delivery");

    /// <summary>
    /// Events published with <c>IOutboxPublisher</c> that no consumer had recorded at their check (PostgreSQL), tagged
    /// <c>outcome</c>: <c>resent</c> (sent again), or <c>expired</c> (past the window, sent no more).
    /// </summary>
    public static Counter<long> UnconfirmedEvents { get; } = Meter.CreateCounter<long>("sagas.outbox.unconfirmed", description: "Published events no consumer had recorded at their check, sent again or expired");

    /// <summary>
    /// Commits whose messages found an earlier message of their saga still in the outbox, sent by another process or not
    /// yet (PostgreSQL), tagged <c>outcome</c>: <c>sent</c> (it left the table and the commit's messages went at once
    /// after it), or <c>relay</c> (it stayed: the relay sends both, in commit order).
    /// </summary>
    public static Counter<long> OutboxOrderWaits { get; } = Meter.CreateCounter<long>("sagas.outbox.order_waits", description: "Commits whose messages waited for an earlier message of their saga still in the outbox");

    /// <summary>Saga commits that lost an optimistic-concurrency race and were run again.</summary>
    public static Counter<long> ConcurrencyRetries { get; } = Meter.CreateCounter<long>("sagas.concurrency.retries", description: "Saga transitions re-run on fresh state after a version conflict");

    /// <summary>Time from a saga's start to its terminal state, tagged with <c>saga</c> and <c>outcome</c>.</summary>
    public static Histogram<double> SagaDuration { get; } = Meter.CreateHistogram<double>("sagas.saga.duration", unit: "ms", description: "Time from a saga's start to its terminal state, by outcome");

    /// <summary>Step commands sent (first attempts and retries), tagged with <c>saga</c> and <c>step</c>.</summary>
    public static Counter<long> StepAttempts { get; } = Meter.CreateCounter<long>("sagas.step.attempts", description: "Step attempts requested");

    /// <summary>Retries scheduled after a transient step failure or a missed deadline.</summary>
    public static Counter<long> StepRetries { get; } = Meter.CreateCounter<long>("sagas.step.retries", description: "Step retries scheduled");

    /// <summary>Compensations requested (first attempts and retries), tagged with <c>saga</c> and <c>step</c>.</summary>
    public static Counter<long> Compensations { get; } = Meter.CreateCounter<long>("sagas.compensations", description: "Compensation attempts requested");

    /// <summary>Step commands placed by a step's overflow rule, tagged with <c>step</c> and <c>host</c> (<c>primary</c> or <c>overflow</c>).</summary>
    public static Counter<long> StepPlacements { get; } = Meter.CreateCounter<long>("sagas.step.placements", description: "Step commands run in the process or overflowed to the step's function");

    /// <summary>
    /// Starts the span of handling one message, as a child of the trace its <paramref name="headers"/> carry (read only when
    /// something listens).
    /// </summary>
    internal static Activity? StartProcess(string endpoint, MassTransit.Headers headers, string? eventId, Guid? sagaId)
    {
        if (!ActivitySource.HasListeners())
        {
            return null;
        }

        var parent = TraceContext.ParentOf(headers.Get<string>(SagaAttributes.TraceParent.Name), headers.Get<string>(SagaAttributes.TraceState.Name));
        var eventType = headers.Get<string>(CloudEventHeaders.Type);
        var activity = ActivitySource.StartActivity($"process {endpoint}", ActivityKind.Consumer, parent);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("messaging.operation.type", "process");
            activity.SetTag("messaging.destination.name", endpoint);
            activity.SetTag("messaging.message.id", eventId);
            activity.SetTag("cloudevents.event_type", eventType);
            activity.SetTag("cloudevents.event_id", eventId);
            if (sagaId is { } id)
            {
                activity.SetTag("sagas.saga_id", id.ToString());
            }
        }

        return activity;
    }

    /// <summary>Records what a committed saga transition did: the history entries added since it was loaded.</summary>
    internal static void RecordTransition(string saga, StepSagaState state, int historyBefore)
    {
        var history = state.History;
        for (var i = Math.Max(0, historyBefore); i < history.Count; i++)
        {
            var entry = history[i];
            var sagaTag = new KeyValuePair<string, object?>("saga", saga);
            var stepTag = new KeyValuePair<string, object?>("step", entry.Step);
            switch (entry.Kind)
            {
                case StepHistoryKind.Requested:
                    StepAttempts.Add(1, sagaTag, stepTag);
                    break;
                case StepHistoryKind.RetryScheduled:
                    StepRetries.Add(1, sagaTag, stepTag);
                    break;
                case StepHistoryKind.CompensationRequested:
                    Compensations.Add(1, sagaTag, stepTag);
                    break;
                case StepHistoryKind.Completed or StepHistoryKind.Rejected or StepHistoryKind.Compensated or StepHistoryKind.Faulted when entry.Step == StepHistoryEntry.Saga:
                    SagaDuration.Record(
                        (entry.At - state.StartedAt).TotalMilliseconds,
                        sagaTag,
                        new KeyValuePair<string, object?>("outcome", StepHistoryKindJsonConverter.NameOf(entry.Kind)));
                    break;
            }
        }
    }
}
