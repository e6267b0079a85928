using Checkout;
using Checkout.Saga;
using Microsoft.Extensions.DependencyInjection;
using Sagas.Inbox;
using Sagas.Persistence;
using Sagas.Testing;

namespace Sagas.Marten.Tests.Persistence;

public sealed class When_two_processes_write_one_saga
{
    [Fact]
    public async Task The_process_holding_an_older_revision_conflicts_reloads_and_loses_no_update()
    {
        var schema = await PostgresDatabase.FreshSchemaAsync(nameof(When_two_processes_write_one_saga));
        await using var first = Process(schema);
        await using var second = Process(schema);
        await MartenSagaSchema.ApplyAsync(first);
        var one = first.GetRequiredService<ISagaStore<CheckoutState>>();
        var two = second.GetRequiredService<ISagaStore<CheckoutState>>();
        var id = Guid.NewGuid();
        Assert.Equal(CommitResult.Committed, await one.CommitAsync(id, new CheckoutState { CorrelationId = id, CustomerId = "one" }, 0, Transaction("e1"), default));

        // The other process moves the saga on; the first still holds revision 1.
        var loadedByTwo = (await two.LoadForTransitionAsync(id, default))!;
        loadedByTwo.State.CardToken = "from two";
        Assert.Equal(CommitResult.Committed, await two.CommitAsync(id, loadedByTwo.State, loadedByTwo.Version, Transaction("e2"), default));

        var cached = (await one.LoadForTransitionAsync(id, default))!;
        Assert.Equal(1, cached.Version); // answered from what this process committed, without a read
        cached.State.CustomerEmail = "from one";
        Assert.Equal(CommitResult.Conflict, await one.CommitAsync(id, cached.State, cached.Version, Transaction("e3"), default));

        var fresh = (await one.LoadForTransitionAsync(id, default))!;
        Assert.Equal(2, fresh.Version);
        fresh.State.CustomerEmail = "from one";
        Assert.Equal(CommitResult.Committed, await one.CommitAsync(id, fresh.State, fresh.Version, Transaction("e3"), default));

        var stored = (await two.LoadAsync(id, default))!;
        Assert.Equal((3, "from two", "from one"), (stored.Version, stored.State.CardToken, stored.State.CustomerEmail));
    }

    [Fact]
    public async Task A_load_for_a_transition_takes_the_committed_instance_once_then_copies_the_document_and_a_plain_load_always_reads()
    {
        var schema = await PostgresDatabase.FreshSchemaAsync(nameof(When_two_processes_write_one_saga) + "_copy");
        await using var services = Process(schema);
        await MartenSagaSchema.ApplyAsync(services);
        var store = services.GetRequiredService<ISagaStore<CheckoutState>>();
        var id = Guid.NewGuid();
        var committed = new CheckoutState { CorrelationId = id, CustomerId = "stored" };
        await store.CommitAsync(id, committed, 0, Transaction("c1"), default);

        var taken = (await store.LoadForTransitionAsync(id, default))!;
        Assert.Same(committed, taken.State); // the committed instance, once, instead of deserializing the document
        taken.State.CustomerId = "changed, not committed";
        var copy = (await store.LoadForTransitionAsync(id, default))!;
        Assert.NotSame(committed, copy.State);
        Assert.Equal(("stored", 1, 1), (copy.State.CustomerId, copy.State.Version, copy.Version));

        await PostgresDatabase.ScalarAsync($"with u as (update {schema}.mt_doc_checkoutstate set data = jsonb_set(data, '{{CustomerId}}', '\"elsewhere\"'), mt_version = 2 where id = '{id}' returning 1) select count(*) from u");
        Assert.Equal("elsewhere", (await store.LoadAsync(id, default))!.State.CustomerId);
    }

    private static ServiceProvider Process(string schema)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddSagas(s => s.AddCheckout().UseMarten(o =>
        {
            o.ConnectionString = PostgresDatabase.ConnectionString;
            o.SchemaName = schema;
            o.RunRelay = false;
        }));
        return services.BuildServiceProvider();
    }

    private static MessageTransaction Transaction(string eventId) => new(new InboxKey("checkout-state", "/tests", eventId));
}
