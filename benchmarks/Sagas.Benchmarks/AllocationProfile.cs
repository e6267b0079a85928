using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Globalization;

namespace Sagas.Benchmarks;

/// <summary>
/// The runtime's allocation samples (GCAllocationTick: one event about every 100 KB allocated, naming the type that
/// crossed the mark) summed by type, so the types that dominate allocation show without a profiler attached:
/// <c>--only sagas --allocations</c>.
/// </summary>
internal sealed class AllocationProfile : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private readonly ConcurrentDictionary<string, long> _bytesByType = new();
    private volatile bool _recording;
    private long _collections;
    private long _promotedFromGen0;
    private long _promotedFromGen1;
    private readonly ConcurrentDictionary<string, int> _gen2Reasons = new();

    public void Start()
    {
        _bytesByType.Clear();
        (_collections, _promotedFromGen0, _promotedFromGen1) = (0, 0, 0);
        _gen2Reasons.Clear();
        _recording = true;
    }

    public void Stop() => _recording = false;

    /// <summary>
    /// The <paramref name="count"/> types with the most bytes sampled, then any other allocated on the large object heap,
    /// with each one's share of all sampled bytes.
    /// </summary>
    public IEnumerable<string> Top(int count)
    {
        var total = Math.Max(1, _bytesByType.Values.Sum());
        var ranked = _bytesByType.OrderByDescending(t => t.Value).ToList();
        return ranked.Take(count).Concat(ranked.Skip(count).Where(t => t.Key.EndsWith(LargeObjectHeap, StringComparison.Ordinal)))
            .Select(t => string.Create(CultureInfo.InvariantCulture, $"{100.0 * t.Value / total,5:0.0} %  {t.Key}"));
    }

    /// <summary>What the collections while recording kept alive: bytes moved out of gen 0 and out of gen 1, per collection.</summary>
    public string Promoted()
    {
        var collections = Math.Max(1, Interlocked.Read(ref _collections));
        var gen2 = _gen2Reasons.IsEmpty ? "none" : string.Join(", ", _gen2Reasons.OrderByDescending(r => r.Value).Select(r => $"{r.Value} {r.Key}"));
        return string.Create(CultureInfo.InvariantCulture, $"{collections} collections, promoted per collection: {Interlocked.Read(ref _promotedFromGen0) / 1024.0 / collections:0} KiB from gen 0, {Interlocked.Read(ref _promotedFromGen1) / 1024.0 / collections:0} KiB from gen 1; gen 2 collections by trigger: {gen2}");
    }

    private const string LargeObjectHeap = " (large object heap)";

    private static string ReasonName(int reason) => reason switch
    {
        0 => "small-object allocation",
        1 => "induced",
        2 => "low memory",
        3 => "empty",
        4 => "large-object allocation",
        5 => "out of space (small objects)",
        6 => "out of space (large objects)",
        _ => $"reason {reason}",
    };

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (!_recording || eventData.Payload is null)
        {
            return;
        }

        if (eventData.EventName?.StartsWith("GCHeapStats", StringComparison.Ordinal) == true)
        {
            // After each collection: TotalPromotedSize0 is what survived gen 0 into gen 1, TotalPromotedSize1 what survived gen 1.
            Interlocked.Increment(ref _collections);
            Interlocked.Add(ref _promotedFromGen0, Convert.ToInt64(eventData.Payload[eventData.PayloadNames!.IndexOf("TotalPromotedSize0")], CultureInfo.InvariantCulture));
            Interlocked.Add(ref _promotedFromGen1, Convert.ToInt64(eventData.Payload[eventData.PayloadNames!.IndexOf("TotalPromotedSize1")], CultureInfo.InvariantCulture));
            return;
        }

        if (eventData.EventName?.StartsWith("GCStart", StringComparison.Ordinal) == true)
        {
            // Depth 2: a full collection; Reason says what triggered it (the runtime's gc_reason: 0 small-object allocation,
            // 4 large-object allocation, 1 induced, ...).
            if (Convert.ToInt32(eventData.Payload[eventData.PayloadNames!.IndexOf("Depth")], CultureInfo.InvariantCulture) == 2)
            {
                var reason = Convert.ToInt32(eventData.Payload[eventData.PayloadNames!.IndexOf("Reason")], CultureInfo.InvariantCulture);
                var kind = eventData.PayloadNames!.IndexOf("Type") is int typeIndex and >= 0 ? Convert.ToInt32(eventData.Payload[typeIndex], CultureInfo.InvariantCulture) : -1;
                _gen2Reasons.AddOrUpdate(string.Create(CultureInfo.InvariantCulture, $"{ReasonName(reason)}{(kind == 1 ? " (background)" : string.Empty)}"), 1, (_, n) => n + 1);
            }

            return;
        }

        if (eventData.EventName?.StartsWith("GCAllocationTick", StringComparison.Ordinal) != true)
        {
            return;
        }

        var type = eventData.PayloadNames?.IndexOf("TypeName") is int t and >= 0 ? eventData.Payload[t] as string : null;
        var amount = eventData.PayloadNames?.IndexOf("AllocationAmount64") is int a and >= 0 ? Convert.ToInt64(eventData.Payload[a], CultureInfo.InvariantCulture) : 0;
        // AllocationKind 1: the large object heap (85,000 bytes and more), which a gen-2 collection sweeps.
        var large = eventData.PayloadNames?.IndexOf("AllocationKind") is int k and >= 0 && Convert.ToInt32(eventData.Payload[k], CultureInfo.InvariantCulture) == 1;
        _bytesByType.AddOrUpdate(large ? (type ?? "?") + LargeObjectHeap : type ?? "?", amount, (_, sum) => sum + amount);
    }
}
