using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Sagas.Diagnostics;

namespace Sagas.Testing;

/// <summary>
/// Every measurement of the Sagas meter while alive, with its tags. The meter is process-wide: a test that counts with it
/// must not run beside another test that records the same instruments (in Sagas.Tests, the <c>MetricsCollection</c> runs alone).
/// </summary>
public sealed class SagasMeasurements : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(string Instrument, double Value, Dictionary<string, object?> Tags)> _measured = new();

    public SagasMeasurements()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == SagasDiagnostics.Name)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => _measured.Enqueue((i.Name, v, Tags(tags))));
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => _measured.Enqueue((i.Name, v, Tags(tags))));
        _listener.Start();
    }

    /// <summary>What was measured so far, in order.</summary>
    public IReadOnlyList<(string Instrument, double Value, Dictionary<string, object?> Tags)> All => [.. _measured];

    public void Dispose() => _listener.Dispose();

    private static Dictionary<string, object?> Tags(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var result = new Dictionary<string, object?>();
        foreach (var (key, value) in tags)
        {
            result[key] = value;
        }

        return result;
    }
}
