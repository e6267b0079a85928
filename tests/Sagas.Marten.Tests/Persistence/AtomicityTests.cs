using Checkout;
using Checkout.Saga;
using Microsoft.Extensions.DependencyInjection;
using Sagas.Inbox;
using Sagas.Marten.Tests.Harness;
using Sagas.Outbox;
using Sagas.Persistence;
using Sagas.Testing;

namespace Sagas.Marten.Tests.Persistence;

public sealed class When_a_commit_fails_after_the_saga_update
{
    [Fact]
    public async Task Neither_the_state_change_nor_the_inbox_record_nor_the_outbox_rows_are_kept()
    {
        var schema = await PostgresDatabase.FreshSchemaAsync(nameof(When_a_commit_fails_after_the_saga_update));
        var services = new ServiceCollection().AddLogging();
        services.AddSagas(s => s.AddCheckout().UseMarten(o =>
        {
            o.ConnectionString = PostgresDatabase.ConnectionString;
            o.SchemaName = schema;
            o.RunRelay = false;
        }));
        await using var provider = services.BuildServiceProvider();
        await MartenSagaSchema.ApplyAsync(provider);
        var store = provider.GetRequiredService<ISagaStore<CheckoutState>>();
        var id = Guid.NewGuid();
        await store.CommitAsync(id, new CheckoutState { CorrelationId = id, CustomerId = "before" }, 0, new MessageTransaction(new InboxKey("checkout-state", "/t", "e0")), default);

        // The saga update and a first message are queued; the last statement of the transaction fails
        // (a message without a content type, which the outbox refuses), so PostgreSQL rolls it all back.
        var failing = new MessageTransaction(new InboxKey("checkout-state", "/t", "e1"));
        failing.Add(Message(id, "application/cloudevents+json"));
        failing.Add(Message(id, null!));
        var update = new CheckoutState { CorrelationId = id, CustomerId = "after" };

        await Assert.ThrowsAnyAsync<Exception>(async () => await store.CommitAsync(id, update, 1, failing, default));

        Assert.Equal("before", (await store.LoadAsync(id, default))!.State.CustomerId);
        Assert.Equal(0, await PostgresDatabase.ScalarAsync($"select count(*) from {schema}.sagas_inbox where id = 'e1'"));
        Assert.Equal(0, await PostgresDatabase.ScalarAsync($"select count(*) from {schema}.sagas_outbox"));
        Assert.False(failing.IsCommitted);
    }

    private static OutboxMessage Message(Guid sagaId, string contentType) => new()
    {
        Id = Guid.NewGuid(),
        Destination = new Uri("loopback://localhost/reserve-inventory"),
        ContentType = contentType,
        Body = "{}"u8.ToArray(),
        SagaId = sagaId,
    };
}
