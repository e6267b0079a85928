using Microsoft.Extensions.Options;

namespace Sagas.Inspector.Inspection;

/// <summary>
/// The sagas the inspector shows, made once from the options (each machine is resolved or built, and its diagram drawn,
/// a single time) and shared by the endpoints and the metrics.
/// </summary>
internal sealed class InspectedSagas(IOptions<SagaInspectorOptions> options, IServiceProvider services)
{
    private readonly Lazy<IReadOnlyDictionary<string, InspectedSaga>> _byName = new(
        () => options.Value.Sagas.Select(s => s.Create(services)).ToDictionary(s => s.Name, StringComparer.Ordinal));

    /// <summary>Each saga type by its name in URLs (the state type's name), in the order added.</summary>
    public IReadOnlyDictionary<string, InspectedSaga> ByName => _byName.Value;
}
