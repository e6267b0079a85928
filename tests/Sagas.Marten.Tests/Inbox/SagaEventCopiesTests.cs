using MassTransit;
using Sagas.Marten.Tests.Harness;
using Sagas.Steps;
using Sagas.Testing;

namespace Sagas.Marten.Tests.Inbox;

// On PostgreSQL a saga event is not looked up in the inbox before it runs once its endpoint has shown that only the saga
// takes it: the saga's commit statement is what refuses a copy. The same CloudEvents id (the message id) twice is a copy.
public sealed class When_copies_of_a_saga_event_arrive_on_postgres
{
    [Fact]
    public async Task The_commit_refuses_them_and_the_saga_changes_once()
    {
        var schema = await PostgresDatabase.FreshSchemaAsync(nameof(When_copies_of_a_saga_event_arrive_on_postgres));
        await using var checkout = await MartenCheckout.StartAsync(schema);
        var deliveries = new ConsumeRecorder();
        checkout.Bus.ConnectReceiveObserver(deliveries);
        var order = await checkout.CompletedOrderAsync();

        var resume = new ResumeSaga(order.OrderId, "first");
        var copyId = NewId.NextGuid();
        await checkout.Bus.Publish(resume, c => c.MessageId = copyId);
        await checkout.Sagas.WaitAsync(order.OrderId, s => s.History.Any(h => h.Reason?.StartsWith("first", StringComparison.Ordinal) == true), TimeSpan.FromSeconds(30));
        await checkout.Bus.Publish(resume, c => c.MessageId = copyId);
        await checkout.Bus.Publish(resume, c => c.MessageId = copyId);
        await deliveries.WaitForDuplicatesAsync(2);
        await checkout.Bus.Publish(new ResumeSaga(order.OrderId, "marker"));
        var state = await checkout.Sagas.WaitAsync(order.OrderId, s => s.History.Any(h => h.Reason?.StartsWith("marker", StringComparison.Ordinal) == true), TimeSpan.FromSeconds(30));

        Assert.Single(state.History, h => h.Reason?.StartsWith("first", StringComparison.Ordinal) == true);
        Assert.Equal(1, await PostgresDatabase.ScalarAsync($"select count(*) from {schema}.sagas_inbox where id = '{copyId}'"));
        Assert.Equal("Completed", state.CurrentState);
    }
}
