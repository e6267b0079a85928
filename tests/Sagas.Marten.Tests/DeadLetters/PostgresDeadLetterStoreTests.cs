using Checkout;
using Microsoft.Extensions.DependencyInjection;
using Sagas.DeadLetters;
using Sagas.Testing;

namespace Sagas.Marten.Tests.DeadLetters;

/// <summary>The dead-letter store contract on PostgreSQL, each test on a fresh schema; and its table in the exported schema.</summary>
public sealed class PostgresDeadLetterStoreTests : DeadLetterStoreContract, IAsyncDisposable
{
    private readonly List<ServiceProvider> _providers = [];

    [Fact]
    public void The_exported_schema_holds_the_dead_letter_table_and_the_index_of_the_open_ones()
    {
        using var services = Process("dead_letters_export", "Host=127.0.0.1;Database=export"); // exporting needs no connection

        var script = MartenSagaSchema.ExportScript(services);

        Assert.Contains("dead_letters_export.sagas_dead_letters", script, StringComparison.Ordinal);
        Assert.Contains("ix_sagas_dead_letters_open", script, StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var provider in _providers)
        {
            await provider.DisposeAsync();
        }
    }

    protected override async Task<IDeadLetterStore> CreateAsync()
    {
        var schema = await PostgresDatabase.FreshSchemaAsync("dead_letters_" + Guid.NewGuid().ToString("N")[..8]);
        var services = Process(schema, PostgresDatabase.ConnectionString);
        _providers.Add(services);
        await MartenSagaSchema.ApplyAsync(services);
        return services.GetRequiredService<IDeadLetterStore>();
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
