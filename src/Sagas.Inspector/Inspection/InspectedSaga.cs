using Sagas.Persistence.Catalog;

namespace Sagas.Inspector.Inspection;

/// <summary>One saga type as the inspector shows it, without its type parameter (so endpoints can hold a list of them).</summary>
internal abstract class InspectedSaga
{
    /// <summary>The state type.</summary>
    public abstract Type StateType { get; }

    /// <summary>The name in URLs and on the page: the state type's name.</summary>
    public string Name => StateType.Name;

    /// <summary>The Mermaid source of the saga's diagram.</summary>
    public abstract string Diagram { get; }

    public abstract ValueTask<SagaPage> ListAsync(IServiceProvider services, SagaQuery query, CancellationToken cancellationToken);

    public abstract ValueTask<SagaCounts> CountAsync(IServiceProvider services, CancellationToken cancellationToken);

    public abstract ValueTask<SagaDetail?> LoadAsync(IServiceProvider services, Guid id, CancellationToken cancellationToken);
}
