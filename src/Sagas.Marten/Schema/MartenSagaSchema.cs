using JasperFx;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Sagas.Marten;

/// <summary>The PostgreSQL objects Sagas uses: one document table per saga state, the inbox and the outbox.</summary>
public static class MartenSagaSchema
{
    /// <summary>
    /// The SQL script that creates every object (idempotent DDL), for teams whose DBAs apply migrations. Needs
    /// no database connection.
    /// </summary>
    public static string ExportScript(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        return services.GetRequiredService<IDocumentStore>().Storage.ToDatabaseScript();
    }

    /// <summary>Creates or migrates every object now.</summary>
    public static Task ApplyAsync(IServiceProvider services, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(services);
        cancellationToken.ThrowIfCancellationRequested();
        return services.GetRequiredService<IDocumentStore>().Storage.ApplyAllConfiguredChangesToDatabaseAsync(AutoCreate.CreateOrUpdate);
    }
}

/// <summary>Applies the schema at start, before the bus and the relay run.</summary>
internal sealed class MartenSchemaInitializer(IServiceProvider services, MartenSagasOptions options) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
        => options.ApplySchemaChangesAtStart ? MartenSagaSchema.ApplyAsync(services, cancellationToken) : Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
