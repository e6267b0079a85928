using JasperFx;
using Weasel.Core;
using Marten;
using Marten.Schema;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;
using Sagas.DeadLetters;
using Sagas.Marten;
using Sagas.Marten.DeadLetters;
using Sagas.Marten.Inbox;
using Sagas.Marten.Outbox;
using Sagas.Marten.Persistence;
using Sagas.Marten.Persistence.Groups;
using Sagas.Marten.Schema;
using Sagas.Outbox;
using Sagas.Persistence;
using Sagas.Persistence.Catalog;
using Sagas.Steps;

namespace Sagas;

/// <summary>Puts a Sagas application's state, inbox and outbox in PostgreSQL.</summary>
public static class MartenSagasBuilderExtensions
{
    /// <summary>
    /// Stores sagas, inbox and outbox in PostgreSQL through Marten and runs the outbox relay and the inbox
    /// cleanup as hosted services (start the application with a generic host). The options can also be bound from
    /// configuration (<c>services.Configure&lt;MartenSagasOptions&gt;(configuration.GetSection("Sagas:PostgreSql"))</c>);
    /// every wrong setting is named when the application starts.
    /// </summary>
    public static SagasBuilder UseMarten(this SagasBuilder sagas, Action<MartenSagasOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(sagas);
        ArgumentNullException.ThrowIfNull(configure);
        var services = sagas.Services;
        sagas.AddValidatedOptions<MartenSagasOptions, MartenSagasOptionsValidator>(configure);
        services.AddSingleton(sp => new SagasTables(sp.GetRequiredService<MartenSagasOptions>().SchemaName));
        services.AddSingleton(sp =>
        {
            var dataSource = new NpgsqlDataSourceBuilder(sp.GetRequiredService<MartenSagasOptions>().ConnectionString);
            SagasConnectionDefaults.Apply(dataSource.ConnectionStringBuilder);
            return dataSource.Build();
        });
        services.AddSingleton<IDocumentStore>(sp => new DocumentStore(CreateStoreOptions(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<MartenSagasOptions>(), sagas.SagaStateTypes, sp.GetRequiredService<SagasTables>())));
        services.AddSingleton<CommitGroups>();
        services.AddSingleton(typeof(ISagaStore<>), typeof(MartenSagaStore<>));
        services.AddSingleton(typeof(ISagaCatalog<>), typeof(MartenSagaCatalog<>));
        services.AddSingleton<IMessageStore, MartenMessageStore>();
        services.AddSingleton<IDeadLetterStore, PostgresDeadLetterStore>(); // seen by every process on the database, such as an API hosting the inspector
        services.AddSingleton<IOutboxMonitor, MartenOutboxMonitor>(); // the outbox lag health check reads PostgreSQL
        services.AddSingleton<OutboxQueries>();
        services.AddSingleton<RelaySignal>();
        services.AddSingleton<DeliveredReaper>();
        services.AddSingleton<SagaOrder>();
        services.AddSingleton<OutboxRelay>();
        services.AddSingleton<IOutboxDispatcher, InlineDispatcher>(); // the fast path; the relay delivers the rest
        services.TryAddSingleton<InboxCleanup>();

        // Start order matters: the schema exists before the bus (registered by AddSagas after this) and the relay start.
        services.AddHostedService<MartenSchemaInitializer>();
        services.AddHostedService(sp => sp.GetRequiredService<RelaySignal>());
        services.AddHostedService(sp => sp.GetRequiredService<DeliveredReaper>());
        services.AddHostedService(sp => sp.GetRequiredService<OutboxRelay>());
        services.AddHostedService(sp => sp.GetRequiredService<InboxCleanup>());
        return sagas;
    }

    private static StoreOptions CreateStoreOptions(NpgsqlDataSource dataSource, MartenSagasOptions options, IReadOnlyList<Type> sagaStates, SagasTables tables)
    {
        var store = new StoreOptions();
        store.Connection(dataSource);
        store.DatabaseSchemaName = options.SchemaName;
        store.AutoCreateSchemaObjects = options.ApplySchemaChangesAtStart ? AutoCreate.CreateOrUpdate : AutoCreate.None;
        store.UseSystemTextJsonForSerialization(EnumStorage.AsString);
        foreach (var state in sagaStates)
        {
            MapSagaMethod.MakeGenericMethod(state).Invoke(null, [store]);
        }

        foreach (var table in tables.Tables())
        {
            store.Storage.ExtendedSchemaObjects.Add(table);
        }

        return store;
    }

    private static readonly System.Reflection.MethodInfo MapSagaMethod =
        typeof(MartenSagasBuilderExtensions).GetMethod(nameof(MapSaga), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!;

    private static void MapSaga<TState>(StoreOptions store)
        where TState : StepSagaState
    {
        store.Schema.For<TState>()
            .Identity(s => s.CorrelationId)
            .UseNumericRevisions(true)
            .Metadata(m => m.Revision.MapTo(s => s.Version))
            .Duplicate(s => s.WakeAt!, pgType: "timestamptz"); // a column with an index: the sweep for overdue timers reads it
        store.Policies.ForAllDocuments(mapping =>
        {
            if (mapping.DocumentType != typeof(TState))
            {
                return;
            }

            // Columns indexed together with the id, no index of their own: the catalog's pages by state or by current step
            // read one range in id order, and its counts per state read the state index alone, never a document.
            foreach (var (member, column) in new[] { (nameof(StepSagaState.CurrentState), "current_state"), (nameof(StepSagaState.CurrentStep), "current_step") })
            {
                mapping.DuplicateField(member, pgType: "text");
                mapping.Indexes.Add(new DocumentIndex(mapping, column, "id"));
            }

            // The start of each saga still running, indexed for those alone: the catalog's oldest running saga is the first
            // entry, whatever the number of sagas that ended.
            mapping.DuplicateField(nameof(StepSagaState.StartedAt), pgType: "timestamptz");
            mapping.Indexes.Add(new DocumentIndex(mapping, "started_at") { Predicate = "current_state in ('Executing', 'Compensating')" });
        });
    }
}
