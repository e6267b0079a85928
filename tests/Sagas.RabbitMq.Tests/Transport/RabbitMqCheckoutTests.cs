using Checkout.Contracts;
using Checkout.Saga;
using Checkout.Simulation;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Sagas.Outbox;
using Sagas.RabbitMq.Tests.Harness;
using Sagas.Testing;

namespace Sagas.RabbitMq.Tests.Transport;

public sealed class RabbitMqCheckoutTests
{
    [Fact]
    public async Task Every_order_of_the_mix_reaches_the_terminal_state_its_data_implies()
    {
        await Broker.PurgeQueuesAsync(RabbitCheckout.Queues);
        await using var app = await RabbitCheckout.StartAsync(Broker.Address);
        var orders = OrderScenarios.CreateMix(40);

        foreach (var order in orders)
        {
            await app.Bus.Publish(order);
        }

        await AssertTerminalAsync(app, orders);
    }

    [Fact]
    public async Task When_the_broker_connection_drops_work_pauses_and_resumes_with_nothing_lost_or_done_twice()
    {
        await Broker.PurgeQueuesAsync(RabbitCheckout.Queues);
        var schema = await PostgresDatabase.FreshSchemaAsync(nameof(RabbitMqCheckoutTests));
        await using var proxy = new TcpProxy(Broker.Port);
        await using var app = await RabbitCheckout.StartAsync(
            Broker.Through(proxy.Port),
            sagas => sagas.UseMarten(o =>
            {
                o.ConnectionString = PostgresDatabase.ConnectionString;
                o.SchemaName = schema;
                o.RelayTakeoverDelay = TimeSpan.FromMilliseconds(200);
                o.RelayPollInterval = TimeSpan.FromMilliseconds(200);
            }));
        var publisher = app.Services.GetRequiredService<IOutboxPublisher>();
        var orders = OrderScenarios.CreateMix(60);

        Task? restore = null;
        for (var i = 0; i < orders.Count; i++)
        {
            if (i == 20)
            {
                proxy.Cut(); // mid-run: sagas in flight, replies and commands on the wire
                restore = Task.Delay(TimeSpan.FromSeconds(3)).ContinueWith(_ => proxy.Restore(), TaskScheduler.Default);
            }

            // Accepted even while the broker is unreachable: committed to the PostgreSQL outbox, delivered later.
            Assert.True(await publisher.PublishAsync(orders[i], orders[i].OrderId.ToString()));
        }

        await restore!;
        Assert.True(proxy.Cuts > 0);
        Assert.False(await publisher.PublishAsync(orders[0], orders[0].OrderId.ToString())); // the same order again: nothing new
        await AssertTerminalAsync(app, orders);

        var effects = app.Services.GetRequiredService<EffectLog>();
        foreach (var order in orders)
        {
            var done = effects.For(order.OrderId);
            Assert.True(done.Count == done.Distinct().Count(), $"order {order.OrderId} ({OrderScenarios.ScenarioOf(order)}): an effect happened twice: {string.Join(", ", done)}");
        }
    }

    private static async Task AssertTerminalAsync(RabbitCheckout app, IReadOnlyList<OrderSubmitted> orders)
    {
        foreach (var order in orders)
        {
            var expected = OrderScenarios.ExpectedState(OrderScenarios.ScenarioOf(order));
            var state = await app.Sagas.WaitAsync(order.OrderId, s => s.CurrentState is "Completed" or "Rejected" or "Compensated" or "Faulted", TimeSpan.FromSeconds(150));
            Assert.True(expected == state.CurrentState, $"order {order.OrderId} ({OrderScenarios.ScenarioOf(order)}): expected {expected}, got {state.CurrentState} ({state.Reason})");
        }
    }
}
