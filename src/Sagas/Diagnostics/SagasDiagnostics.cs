using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Sagas.Diagnostics;

/// <summary>The <see cref="ActivitySource"/> and <see cref="Meter"/> Sagas reports through; both are named <c>Sagas</c>.</summary>
public static class SagasDiagnostics
{
    /// <summary>The name of the activity source and the meter.</summary>
    public const string Name = "Sagas";

    /// <summary>Traces of saga transitions and step executions.</summary>
    public static ActivitySource ActivitySource { get; } = new(Name);

    /// <summary>Metrics.</summary>
    public static Meter Meter { get; } = new(Name);

    /// <summary>Events acknowledged with no effect because the inbox already held them.</summary>
    public static Counter<long> InboxDuplicates { get; } = Meter.CreateCounter<long>("sagas.inbox.duplicates", description: "Redelivered or duplicated events acknowledged with no effect");

    /// <summary>Events dead-lettered because they can never be processed.</summary>
    public static Counter<long> DeadLetters { get; } = Meter.CreateCounter<long>("sagas.dead_letters", description: "Events moved to an error queue with their reasons");

    /// <summary>Time from a message's commit (or due time) to its delivery by an outbox relay, in milliseconds.</summary>
    public static Histogram<double> OutboxLag { get; } = Meter.CreateHistogram<double>("sagas.outbox.lag", unit: "ms", description: "Delay between an outbox message becoming deliverable and its delivery");

    /// <summary>Saga commits that lost an optimistic-concurrency race and were run again.</summary>
    public static Counter<long> ConcurrencyRetries { get; } = Meter.CreateCounter<long>("sagas.concurrency.retries", description: "Saga transitions re-run on fresh state after a version conflict");
}
