using Checkout;
using Checkout.Saga;
using Microsoft.Extensions.DependencyInjection;
using Sagas.Persistence;
using Sagas.Persistence.Catalog;
using Sagas.Testing;

namespace Sagas.Marten.Tests.Persistence;

/// <summary>The catalog contract on PostgreSQL, each test on a fresh schema; and the indexes its pages need.</summary>
public sealed class MartenSagaCatalogTests : SagaCatalogContract<CheckoutState>, IAsyncDisposable
{
    private readonly List<ServiceProvider> _providers = [];

    [Fact]
    public void The_exported_schema_indexes_state_and_current_step_together_with_the_id()
    {
        using var services = Process("catalog_export", "Host=127.0.0.1;Database=export"); // exporting needs no connection

        var script = MartenSagaSchema.ExportScript(services);

        Assert.Contains("USING btree ((data ->> 'CurrentState'), (id))", script, StringComparison.Ordinal);
        Assert.Contains("USING btree ((data ->> 'CurrentStep'), (id))", script, StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var provider in _providers)
        {
            await provider.DisposeAsync();
        }
    }

    protected override async Task<(ISagaStore<CheckoutState> Store, ISagaCatalog<CheckoutState> Catalog)> CreateAsync()
    {
        var schema = await PostgresDatabase.FreshSchemaAsync("catalog_" + Guid.NewGuid().ToString("N")[..8]);
        var services = Process(schema, PostgresDatabase.ConnectionString);
        _providers.Add(services);
        await MartenSagaSchema.ApplyAsync(services);
        return (services.GetRequiredService<ISagaStore<CheckoutState>>(), services.GetRequiredService<ISagaCatalog<CheckoutState>>());
    }

    private static ServiceProvider Process(string schema, string connectionString)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddSagas(s => s.AddCheckout().UseMarten(o =>
        {
            o.ConnectionString = connectionString;
            o.SchemaName = schema;
            o.RunRelay = false;
        }));
        return services.BuildServiceProvider();
    }
}
