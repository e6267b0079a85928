using System.Text;
using Checkout.Contracts;
using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using Sagas.Contracts;
using Sagas.DeadLetters;
using Sagas.RabbitMq.Tests.Harness;
using Sagas.Steps;

namespace Sagas.RabbitMq.Tests.Topology;

public sealed class RabbitMqTopologyTests
{
    [Fact]
    public async Task Every_endpoint_is_a_durable_quorum_queue()
    {
        await Broker.PurgeQueuesAsync(RabbitCheckout.Queues);
        await using var app = await RabbitCheckout.StartAsync(Broker.Address);

        await using var connection = await Broker.ConnectAsync();
        foreach (var queue in RabbitCheckout.Queues)
        {
            // Redeclaring with the same arguments succeeds; with another queue type the broker refuses.
            await using (var same = await connection.CreateChannelAsync())
            {
                await same.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum" });
            }

            await using var other = await connection.CreateChannelAsync();
            var refused = await Assert.ThrowsAsync<OperationInterruptedException>(() => other.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, arguments: new Dictionary<string, object?> { ["x-queue-type"] = "classic" }));
            Assert.Contains("x-queue-type", refused.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Exchanges_are_named_after_the_CloudEvents_types()
    {
        await Broker.PurgeQueuesAsync(RabbitCheckout.Queues);
        await using var app = await RabbitCheckout.StartAsync(Broker.Address);
        var contracts = app.Services.GetRequiredService<ContractRegistry>();

        await using var connection = await Broker.ConnectAsync();
        foreach (var type in new[] { typeof(OrderSubmitted), typeof(ReserveInventory), typeof(StepCompleted), typeof(StepFailed) })
        {
            var exchange = contracts.Get(type).EventType;
            await using var channel = await connection.CreateChannelAsync();
            await channel.ExchangeDeclarePassiveAsync(exchange); // throws NOT_FOUND when missing
        }

        Assert.Equal("com.example.checkout.order-submitted.v1", contracts.Get(typeof(OrderSubmitted)).EventType);
    }

    [Fact]
    public async Task An_invalid_event_goes_to_the_endpoint_error_queue_once_with_its_reasons()
    {
        await Broker.PurgeQueuesAsync(RabbitCheckout.Queues);
        await using var app = await RabbitCheckout.StartAsync(Broker.Address);
        var exchange = app.Services.GetRequiredService<ContractRegistry>().Get(typeof(OrderSubmitted)).EventType;

        // Any AMQP client can publish a CloudEvent; this one has no lines and no customer.
        const string invalid = """
            {"specversion":"1.0","id":"bad-order-1","source":"/tests/amqp","type":"com.example.checkout.order-submitted.v1",
             "datacontenttype":"application/json","data":{"orderId":"6f1c0a52-4a55-4d0b-9d7e-1b1b2c3d4e5f","customerId":"","customerEmail":"nobody@example.com","cardToken":"tok_visa","lines":[]}}
            """;
        await using var connection = await Broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.BasicPublishAsync(exchange, string.Empty, mandatory: false, new BasicProperties { ContentType = "application/cloudevents+json", MessageId = "bad-order-1" }, Encoding.UTF8.GetBytes(invalid));

        var error = await Broker.GetAsync(connection, "checkout-state_error", TimeSpan.FromSeconds(20));
        Assert.NotNull(error);
        var reason = Encoding.UTF8.GetString((byte[])error.BasicProperties.Headers!["MT-Fault-Message"]!);
        Assert.Contains("customerId", reason, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("lines", reason, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(invalid, Encoding.UTF8.GetString(error.Body.Span)); // the event itself is kept as received

        var store = app.Services.GetRequiredService<IDeadLetterStore>();
        var deadLetters = (await store.ListAsync(new DeadLetterQuery(), CancellationToken.None)).Items;
        for (var i = 0; i < 50 && deadLetters.Count == 0; i++)
        {
            await Task.Delay(100); // recorded by a receive observer, just after the move to the error queue
            deadLetters = (await store.ListAsync(new DeadLetterQuery(), CancellationToken.None)).Items;
        }

        var deadLetter = Assert.Single(deadLetters, d => d.EventId == "bad-order-1");
        Assert.EndsWith("checkout-state", deadLetter.Endpoint, StringComparison.Ordinal); // the input address path: virtual host and queue
        Assert.Null(await Broker.GetAsync(connection, "checkout-state_error", TimeSpan.FromMilliseconds(300))); // not retried into the error queue again
        Assert.Empty(app.Sagas.Sagas);
    }
}
