using Microsoft.Extensions.DependencyInjection;
using Sagas.Inspector.Inspection;
using Sagas.Steps;

namespace Sagas.Inspector;

/// <summary>What the saga inspector shows and who may use it.</summary>
public sealed class SagaInspectorOptions
{
    private readonly List<(Type State, Func<IServiceProvider, InspectedSaga> Create)> _sagas = [];

    /// <summary>The authorization policy a caller must satisfy to see sagas (the page and every GET). Required.</summary>
    public string? ReadPolicy { get; set; }

    /// <summary>The authorization policy a caller must satisfy to act on sagas (every POST). Required.</summary>
    public string? ActionPolicy { get; set; }

    /// <summary>
    /// Where a saga's trace is shown, with <c>{traceId}</c> where its W3C trace id goes: for instance
    /// <c>http://jaeger:16686/trace/{traceId}</c> (Jaeger), <c>https://grafana.example.com/explore?...{traceId}...</c> (Grafana
    /// Tempo) or an Azure Monitor transaction search URL. Absolute http(s); <see langword="null"/> (the default) shows the id
    /// without a link.
    /// </summary>
    public string? TraceUrlTemplate { get; set; }

    /// <summary>
    /// How often the counts behind the metrics <c>sagas.saga.count</c> and <c>sagas.saga.oldest_running.age</c> are read
    /// from each catalog. Default 30 s; <see cref="TimeSpan.Zero"/> publishes no metrics.
    /// </summary>
    public TimeSpan MetricsInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How old the counts per state the page and the metrics show may be at most. A count reads a whole index (about 0.3 s
    /// for a million sagas in PostgreSQL), so the last one is shown (with the time it was read) while it is younger than ten
    /// times what it took to read, up to this age, and a newer one is read in the background; a count that is cheap to read
    /// (in memory, a small table) is read for every request. Default 5 s; <see cref="TimeSpan.Zero"/> reads them for every
    /// request.
    /// </summary>
    public TimeSpan CountsMaxAge { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The link to the trace <paramref name="traceId"/>, or <see langword="null"/> without a template or an id.</summary>
    internal string? TraceUrl(string? traceId)
        => TraceUrlTemplate is null || traceId is null ? null : TraceUrlTemplate.Replace(TraceIdPlaceholder, Uri.EscapeDataString(traceId), StringComparison.Ordinal);

    /// <summary>What <see cref="TraceUrlTemplate"/> holds where the trace id goes.</summary>
    internal const string TraceIdPlaceholder = "{traceId}";

    /// <summary>The sagas shown, in the order added, each made from the application's services.</summary>
    internal IReadOnlyList<(Type State, Func<IServiceProvider, InspectedSaga> Create)> Sagas => _sagas;

    /// <summary>
    /// Shows the sagas of <typeparamref name="TMachine"/>: listed through the store's <c>ISagaCatalog&lt;TState&gt;</c>, drawn
    /// from the machine's plan. The process need not run the saga (an API that shows what a worker runs): the machine is
    /// taken from the services, or made with them (its constructor's parameters must be registered).
    /// </summary>
    public SagaInspectorOptions AddSaga<TMachine, TState>()
        where TMachine : StepSagaStateMachine<TState>
        where TState : StepSagaState, new()
    {
        if (_sagas.Any(s => s.State == typeof(TState)))
        {
            throw new InvalidOperationException($"{typeof(TState).Name} is already shown by the saga inspector.");
        }

        _sagas.Add((typeof(TState), services => new InspectedSaga<TState>(ActivatorUtilities.GetServiceOrCreateInstance<TMachine>(services))));
        return this;
    }
}
