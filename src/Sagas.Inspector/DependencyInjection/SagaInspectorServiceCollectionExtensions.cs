using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Sagas.Inspector;
using Sagas.Inspector.Inspection;
using Sagas.Inspector.Metrics;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the saga inspector.</summary>
public static class SagaInspectorServiceCollectionExtensions
{
    /// <summary>
    /// Adds the saga inspector's services: its options (validated at start: both policies and at least one saga),
    /// anti-forgery and the metrics of sagas per state (<see cref="SagaInspectorOptions.MetricsInterval"/>). Map it with <c>app.MapSagaInspector("/sagas")</c>; the app adds authentication and the policies.
    /// </summary>
    public static IServiceCollection AddSagaInspector(this IServiceCollection services, Action<SagaInspectorOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<SagaInspectorOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SagaInspectorOptions>, SagaInspectorOptionsValidator>());
        services.TryAddSingleton<InspectedSagas>();
        services.TryAddSingleton<SagaCountCache>();
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System); // as AddSagas does, for an application that calls this first
        services.AddHostedService<SagaStateMetrics>(); // what the page shows, as gauges on the Sagas meter
        services.AddAntiforgery();
        services.AddAuthorization();
        return services;
    }
}
