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
    public void The_exported_schema_keeps_state_and_current_step_as_columns_indexed_together_with_the_id()
    {
        using var services = Process("catalog_export", "Host=127.0.0.1;Database=export"); // exporting needs no connection

        var script = MartenSagaSchema.ExportScript(services);

        Assert.True(script.Contains("USING btree (current_state, id)", StringComparison.Ordinal), script);
        Assert.True(script.Contains("USING btree (current_step, id)", StringComparison.Ordinal), script);
        Assert.True(script.Contains("USING btree (started_at) WHERE (current_state in ('Executing', 'Compensating'))", StringComparison.Ordinal), script);
        Assert.False(script.Contains("USING btree (current_state);", StringComparison.Ordinal), "no second index to write on every commit: " + script);
        Assert.False(script.Contains("data ->> 'CurrentState'", StringComparison.Ordinal), "no index on the document's field: " + script);
    }

    [Fact]
    public async Task A_table_stored_before_state_and_step_were_columns_gets_them_filled_when_the_schema_is_applied()
    {
        var (store, catalog) = await CreateAsync();
        var id = Guid.Parse("01900000-0000-7000-8000-000000000042");
        var state = new CheckoutState { CorrelationId = id, CurrentState = "Faulted", CurrentStep = "UpdateCrm", StartedAt = DateTimeOffset.UtcNow };
        Assert.Equal(CommitResult.Committed, await store.CommitAsync(id, state, 0, new Sagas.Persistence.MessageTransaction(new Sagas.Inbox.InboxKey("catalog", "/tests", "upgrade")), default));
        var services = _providers[^1];
        var table = services.GetRequiredService<global::Marten.IDocumentStore>().Options.FindOrResolveDocumentType(typeof(CheckoutState)).TableName.QualifiedName;
        await using (var dataSource = Npgsql.NpgsqlDataSource.Create(PostgresDatabase.ConnectionString))
        {
            await dataSource.CreateCommand($"alter table {table} drop column current_state, drop column current_step").ExecuteNonQueryAsync(); // as stored before
        }

        await MartenSagaSchema.ApplyAsync(services);

        Assert.Equal(id, Assert.Single((await catalog.ListAsync(new SagaQuery { State = "Faulted", Step = "UpdateCrm" }, default)).Items).Id);
        Assert.Equal(1, (await catalog.CountAsync(default)).ByState["Faulted"]);
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
