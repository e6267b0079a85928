using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sagas.Diagnostics;
using Sagas.Inspector.Inspection;
using Sagas.Persistence.Catalog;

namespace Sagas.Inspector.Metrics;

/// <summary>
/// What the inspector's page shows, as metrics, so an alert needs no page: <c>sagas.saga.count</c> (sagas per type and
/// state) and <c>sagas.saga.oldest_running.age</c> (seconds since the oldest Executing or Compensating saga of a type
/// started), on the <c>Sagas</c> meter. The counts are taken every <see cref="SagaInspectorOptions.MetricsInterval"/> (as the
/// page takes them: <see cref="SagaCountCache"/>), never while a collector waits.
/// </summary>
internal sealed partial class SagaStateMetrics : BackgroundService
{
    private readonly SagaCountCache _counted;
    private readonly InspectedSagas _sagas;
    private readonly SagaInspectorOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<SagaStateMetrics> _logger;
    private readonly Meter _meter;
    private IReadOnlyList<(string Type, SagaCounts Counts)> _last = [];

    public SagaStateMetrics(SagaCountCache counted, InspectedSagas sagas, IOptions<SagaInspectorOptions> options, IMeterFactory meters, TimeProvider time, ILogger<SagaStateMetrics> logger)
    {
        _counted = counted;
        _sagas = sagas;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _meter = meters.Create(SagasDiagnostics.Name);
        _meter.CreateObservableGauge("sagas.saga.count", ObserveCounts, description: "Sagas per type and state, as the inspector lists them");
        _meter.CreateObservableGauge("sagas.saga.oldest_running.age", ObserveOldest, unit: "s", description: "Age of the oldest saga of a type still Executing or Compensating");
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_options.MetricsInterval <= TimeSpan.Zero)
        {
            return;
        }

        var sagas = _sagas.ByName.Values;
        using var timer = new PeriodicTimer(_options.MetricsInterval, _time);
        do
        {
            try
            {
                _last = await ReadAsync(sagas, stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogReadFailed(_logger, ex); // the store is down: keep the last figures, try again next time
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    public override void Dispose()
    {
        _meter.Dispose();
        base.Dispose();
    }

    private async Task<IReadOnlyList<(string Type, SagaCounts Counts)>> ReadAsync(IEnumerable<InspectedSaga> sagas, CancellationToken cancellationToken)
    {
        var read = new List<(string, SagaCounts)>();
        foreach (var saga in sagas)
        {
            read.Add((saga.Name, (await _counted.GetAsync(saga, cancellationToken).ConfigureAwait(false)).Counts));
        }

        return read;
    }

    private IEnumerable<Measurement<long>> ObserveCounts()
        => _last.SelectMany(t => t.Counts.ByState.Select(s => new Measurement<long>(s.Value, new("saga", t.Type), new("state", s.Key))));

    private IEnumerable<Measurement<double>> ObserveOldest()
    {
        var now = _time.GetUtcNow();
        return _last.Select(t => new Measurement<double>(t.Counts.OldestRunning is { } oldest ? (now - oldest.StartedAt).TotalSeconds : 0, new KeyValuePair<string, object?>("saga", t.Type)));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the saga counts for the metrics failed; the last figures stand until the next read")]
    private static partial void LogReadFailed(ILogger logger, Exception exception);
}
