using System.Collections.Concurrent;
using Checkout.Simulation;
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
        var duplicates = new DuplicateCounter();
        checkout.Bus.ConnectReceiveObserver(duplicates);
        var order = OrderScenarios.Create(Scenario.Happy, 1);
        await checkout.Bus.Publish(order);
        await checkout.Sagas.WaitAsync(order.OrderId, s => s.CurrentState == "Completed", TimeSpan.FromSeconds(30));

        var resume = new ResumeSaga(order.OrderId, "first");
        var copyId = NewId.NextGuid();
        await checkout.Bus.Publish(resume, c => c.MessageId = copyId);
        await checkout.Sagas.WaitAsync(order.OrderId, s => s.History.Any(h => h.Reason?.StartsWith("first", StringComparison.Ordinal) == true), TimeSpan.FromSeconds(30));
        await checkout.Bus.Publish(resume, c => c.MessageId = copyId);
        await checkout.Bus.Publish(resume, c => c.MessageId = copyId);
        await duplicates.WaitForAsync(2);
        await checkout.Bus.Publish(new ResumeSaga(order.OrderId, "marker"));
        var state = await checkout.Sagas.WaitAsync(order.OrderId, s => s.History.Any(h => h.Reason?.StartsWith("marker", StringComparison.Ordinal) == true), TimeSpan.FromSeconds(30));

        Assert.Single(state.History, h => h.Reason?.StartsWith("first", StringComparison.Ordinal) == true);
        Assert.Equal(1, await PostgresDatabase.ScalarAsync($"select count(*) from {schema}.sagas_inbox where id = '{copyId}'"));
        Assert.Equal("Completed", state.CurrentState);
    }

    /// <summary>Counts deliveries the inbox acknowledged as duplicates.</summary>
    private sealed class DuplicateCounter : IReceiveObserver
    {
        private readonly ConcurrentQueue<string> _duplicates = new();

        public async Task WaitForAsync(int count)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (_duplicates.Count < count)
            {
                await Task.Delay(20, timeout.Token);
            }
        }

        public Task PostConsume<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType)
            where T : class
        {
            if (consumerType == "sagas-inbox-duplicate")
            {
                _duplicates.Enqueue(consumerType);
            }

            return Task.CompletedTask;
        }

        public Task PreReceive(ReceiveContext context) => Task.CompletedTask;

        public Task PostReceive(ReceiveContext context) => Task.CompletedTask;

        public Task ConsumeFault<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType, Exception exception)
            where T : class => Task.CompletedTask;

        public Task ReceiveFault(ReceiveContext context, Exception exception) => Task.CompletedTask;
    }
}
