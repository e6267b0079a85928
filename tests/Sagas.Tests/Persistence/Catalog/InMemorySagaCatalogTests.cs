using Microsoft.Extensions.DependencyInjection;
using Sagas.Persistence;
using Sagas.Persistence.Catalog;
using Sagas.Testing;
using Sagas.Tests.Shipping;

namespace Sagas.Tests.Persistence.Catalog;

/// <summary>The catalog contract on the in-memory store, resolved as an application resolves it.</summary>
public sealed class InMemorySagaCatalogTests : SagaCatalogContract<ShipmentState>
{
    protected override Task<(ISagaStore<ShipmentState> Store, ISagaCatalog<ShipmentState> Catalog)> CreateAsync()
    {
        var collection = new ServiceCollection().AddLogging();
        collection.AddSagas(s => s.AddSaga<ShipmentSaga, ShipmentState>());
        var services = collection.BuildServiceProvider();
        return Task.FromResult((services.GetRequiredService<ISagaStore<ShipmentState>>(), services.GetRequiredService<ISagaCatalog<ShipmentState>>()));
    }
}
