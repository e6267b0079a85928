using Checkout;
using Checkout.Saga;
using Microsoft.Extensions.DependencyInjection;
using Sagas.Inbox;
using Sagas.Marten.Tests.Harness;
using Sagas.Outbox;
using Sagas.Persistence;
using Sagas.Steps;
using Sagas.Testing;

namespace Sagas.Marten.Tests.Persistence;

public sealed class MartenSagaStoreTests : IAsyncLifetime
{
    private ServiceProvider _services = null!;
    private string _schema = null!;

    private ISagaStore<CheckoutState> Store => _services.GetRequiredService<ISagaStore<CheckoutState>>();

    public async Task InitializeAsync()
    {
        _schema = await PostgresDatabase.FreshSchemaAsync(nameof(MartenSagaStoreTests));
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSagas(s => s.AddCheckout().UseMarten(o =>
        {
            o.ConnectionString = PostgresDatabase.ConnectionString;
            o.SchemaName = _schema;
            o.RunRelay = false;
        }));
        _services = services.BuildServiceProvider();
        await MartenSagaSchema.ApplyAsync(_services);
    }

    public async Task DisposeAsync() => await _services.DisposeAsync();

    [Fact]
    public async Task State_inbox_record_and_messages_commit_together()
    {
        var id = Guid.NewGuid();
        var transaction = Transaction("e1", Message(id));

        var result = await Store.CommitAsync(id, new CheckoutState { CorrelationId = id, CustomerId = "c-1" }, 0, transaction, default);

        Assert.Equal(CommitResult.Committed, result);
        var loaded = await Store.LoadAsync(id, default);
        Assert.Equal("c-1", loaded!.State.CustomerId);
        Assert.Equal(1, loaded.Version);
        Assert.Equal(1, await PostgresDatabase.ScalarAsync($"select count(*) from {_schema}.sagas_inbox where id = 'e1'"));
        Assert.Equal(1, await PostgresDatabase.ScalarAsync($"select count(*) from {_schema}.sagas_outbox where saga_id = '{id}'"));
    }

    [Fact]
    public async Task A_stale_version_is_a_conflict_and_a_known_event_a_duplicate_and_neither_stores_anything()
    {
        var id = Guid.NewGuid();
        await Store.CommitAsync(id, new CheckoutState { CorrelationId = id }, 0, Transaction("a1"), default);
        var loaded = await Store.LoadAsync(id, default);
        loaded!.State.CustomerId = "first";
        Assert.Equal(CommitResult.Committed, await Store.CommitAsync(id, loaded.State, loaded.Version, Transaction("a2"), default));

        var stale = await Store.CommitAsync(id, new CheckoutState { CorrelationId = id, CustomerId = "stale" }, loaded.Version, Transaction("a3", Message(id)), default);
        var duplicate = await Store.CommitAsync(id, new CheckoutState { CorrelationId = id, CustomerId = "dup" }, loaded.Version + 1, Transaction("a2", Message(id)), default);
        var insertRace = await Store.CommitAsync(id, new CheckoutState { CorrelationId = id, CustomerId = "race" }, 0, Transaction("a4", Message(id)), default);

        Assert.Equal(CommitResult.Conflict, stale);
        Assert.Equal(CommitResult.Duplicate, duplicate);
        Assert.Equal(CommitResult.Conflict, insertRace);
        Assert.Equal("first", (await Store.LoadAsync(id, default))!.State.CustomerId);
        Assert.Equal(0, await PostgresDatabase.ScalarAsync($"select count(*) from {_schema}.sagas_outbox where saga_id = '{id}'"));
        Assert.Equal(0, await PostgresDatabase.ScalarAsync($"select count(*) from {_schema}.sagas_inbox where id in ('a3', 'a4')"));
    }

    [Fact]
    public async Task A_query_is_translated_to_sql_and_finds_the_matching_sagas()
    {
        var first = Guid.NewGuid();
        var second = Guid.NewGuid();
        await Store.CommitAsync(first, new CheckoutState { CorrelationId = first, CustomerId = "query-a" }, 0, Transaction("q1"), default);
        await Store.CommitAsync(second, new CheckoutState { CorrelationId = second, CustomerId = "query-b" }, 0, Transaction("q2"), default);

        var found = await Store.QueryAsync(s => s.CustomerId == "query-b", default);

        Assert.Equal([second], found);
    }

    [Fact]
    public async Task A_saga_stored_before_the_history_was_typed_still_loads_and_is_written_back_in_the_new_shape()
    {
        // Persistence/Stored/checkout-state-before-typed-history.json: a Compensated checkout as the released code stored it
        // (history entries with "What" and "Detail"), taken from a soak run's database.
        var stored = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Persistence", "Stored", "checkout-state-before-typed-history.json"));
        var id = Guid.Parse("01a2380e-c295-7e48-9d04-27f8abce4ecf");
        Assert.Equal(1, await PostgresDatabase.ScalarAsync(
            $"with stored as (insert into {_schema}.mt_doc_checkoutstate (id, data, mt_dotnet_type, mt_version) values ('{id}', '{stored.Replace("'", "''", StringComparison.Ordinal)}'::jsonb, 'Checkout.Saga.CheckoutState', 4) returning 1) select count(*) from stored"));

        var loaded = await Store.LoadAsync(id, default);

        Assert.NotNull(loaded);
        Assert.Equal("Compensated", loaded.State.CurrentState);
        Assert.Equal("ChargePayment: card declined", loaded.State.Reason);
        Assert.Equal(
            [StepHistoryKind.Started, StepHistoryKind.Requested, StepHistoryKind.Completed, StepHistoryKind.Requested, StepHistoryKind.Failed, StepHistoryKind.CompensationRequested, StepHistoryKind.Compensated, StepHistoryKind.Compensated],
            loaded.State.History.Select(h => h.Kind));
        Assert.Contains(loaded.State.History, h => h is { Step: "ChargePayment", Kind: StepHistoryKind.Failed, Attempt: 1, Reason: "card declined" });

        Assert.Equal(CommitResult.Committed, await Store.CommitAsync(id, loaded.State, loaded.Version, Transaction("legacy-1"), default));
        Assert.Equal(0, await PostgresDatabase.ScalarAsync($"select count(*) from {_schema}.mt_doc_checkoutstate, jsonb_array_elements(data->'History') h where id = '{id}' and h ? 'What'"));
        Assert.Equal(8, await PostgresDatabase.ScalarAsync($"select count(*) from {_schema}.mt_doc_checkoutstate, jsonb_array_elements(data->'History') h where id = '{id}' and h ? 'Kind'"));
        Assert.Equal(loaded.State.History, (await Store.LoadAsync(id, default))!.State.History);
    }

    private static MessageTransaction Transaction(string eventId, params OutboxMessage[] messages)
    {
        var transaction = new MessageTransaction(new InboxKey("checkout-state", "/tests", eventId));
        foreach (var message in messages)
        {
            transaction.Add(message);
        }

        return transaction;
    }

    private static OutboxMessage Message(Guid sagaId) => new()
    {
        Id = Guid.NewGuid(),
        Destination = new Uri("loopback://localhost/reserve-inventory"),
        ContentType = "application/cloudevents+json",
        Body = "{}"u8.ToArray(),
        SagaId = sagaId,
    };
}
