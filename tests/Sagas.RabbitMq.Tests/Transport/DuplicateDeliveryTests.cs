using System.Collections.Concurrent;
using System.Text;
using Checkout.Contracts;
using Checkout.Simulation;
using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;
using Sagas.CloudEvents;
using Sagas.RabbitMq.Tests.Harness;
using Sagas.Steps;
using Sagas.Testing;

namespace Sagas.RabbitMq.Tests.Transport;

/// <summary>
/// An event sent again as a new broker delivery (the outbox re-sending a message whose confirmation was lost, say), not a
/// redelivery of the same one: the broker marks it as new, so only the inbox can tell.
/// </summary>
public sealed class When_an_event_is_sent_again_as_a_new_delivery
{
    [Fact]
    public async Task A_saga_and_a_step_consumer_absorb_it_and_nothing_reaches_an_error_or_skipped_queue()
    {
        await Broker.PurgeQueuesAsync(RabbitCheckout.Queues);
        var schema = await PostgresDatabase.FreshSchemaAsync(nameof(When_an_event_is_sent_again_as_a_new_delivery));
        var reservations = new CountingReservations();
        await using var app = await RabbitCheckout.StartAsync(Broker.Address, sagas =>
        {
            sagas.Services.AddScoped<IStepHandler<ReserveInventory, InventoryReserved>>(_ => reservations);
            sagas.UseMarten(o =>
            {
                o.ConnectionString = PostgresDatabase.ConnectionString;
                o.SchemaName = schema;
            });
        });
        var converter = app.Services.GetRequiredService<CloudEventConverter>();
        var order = OrderScenarios.Create(Scenario.Happy, 1);
        await using var connection = await Broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();

        var submitted = Encode(converter, order, "order-1", order.OrderId);
        await SendAsync(channel, "checkout-state", submitted);
        await app.Sagas.WaitAsync(order.OrderId, s => s.CurrentState == "Completed", TimeSpan.FromSeconds(60));
        await SendAsync(channel, "checkout-state", submitted); // the same event again: same source and id, a new delivery
        await SendAsync(channel, "checkout-state", Encode(converter, order, "order-1-again", order.OrderId)); // another event starting it again
        var state = await app.Sagas.WaitAsync(order.OrderId, s => s.History.Any(h => h.Kind == StepHistoryKind.IgnoredEvent), TimeSpan.FromSeconds(30));

        Assert.Single(state.History, h => h.Kind == StepHistoryKind.Started);
        Assert.Single(state.History, h => h.Kind == StepHistoryKind.IgnoredEvent);
        Assert.Contains("OrderSubmitted is not accepted in state Completed", state.History.Single(h => h.Kind == StepHistoryKind.IgnoredEvent).Reason, StringComparison.Ordinal);
        Assert.Equal("Completed", state.CurrentState);

        // A step command sent twice runs its handler once; a later command (another attempt) shows the copy was handled.
        var command = StepCommand(converter, new ReserveInventory(order.OrderId, order.Lines), "reserve-7", order.OrderId, attempt: 7);
        await SendAsync(channel, "reserve-inventory", command);
        await SendAsync(channel, "reserve-inventory", command);
        await SendAsync(channel, "reserve-inventory", StepCommand(converter, new ReserveInventory(order.OrderId, order.Lines), "reserve-8", order.OrderId, attempt: 8));
        await app.Sagas.WaitAsync(order.OrderId, s => s.History.Count(h => h is { Kind: StepHistoryKind.IgnoredStaleReply, Step: "ReserveInventory" }) == 2, TimeSpan.FromSeconds(30));

        Assert.Equal(1, reservations.Calls.GetValueOrDefault(7));
        Assert.Equal(1, reservations.Calls.GetValueOrDefault(8));
        foreach (var queue in new[] { "checkout-state_error", "checkout-state_skipped", "reserve-inventory_error", "reserve-inventory_skipped" })
        {
            Assert.Null(await Broker.GetAsync(connection, queue, TimeSpan.FromMilliseconds(300)));
        }
    }

    private static byte[] Encode(CloudEventConverter converter, object message, string id, Guid sagaId, IReadOnlyDictionary<string, object>? extensions = null)
        => converter.EncodeStructured(converter.ToCloudEvent(message, new EventMetadata
        {
            Id = id,
            Source = new Uri("/tests/producer", UriKind.Relative),
            Subject = sagaId.ToString(),
            CorrelationId = sagaId.ToString(),
            Extensions = extensions,
        })).ToArray();

    private static byte[] StepCommand(CloudEventConverter converter, object command, string id, Guid sagaId, int attempt)
        => Encode(converter, command, id, sagaId, new Dictionary<string, object>
        {
            [SagaAttributes.Step.Name] = "ReserveInventory",
            [SagaAttributes.Attempt.Name] = attempt,
            [SagaAttributes.Compensate.Name] = false,
        });

    private static async Task SendAsync(IChannel channel, string queue, byte[] body)
        => await channel.BasicPublishAsync(string.Empty, queue, mandatory: false, new BasicProperties { ContentType = CloudEventConverter.StructuredContentType, Persistent = true }, body);

    private sealed class CountingReservations : IStepHandler<ReserveInventory, InventoryReserved>
    {
        public ConcurrentDictionary<int, int> Calls { get; } = new();

        public ValueTask<StepOutcome<InventoryReserved>> HandleAsync(ReserveInventory command, StepContext context)
        {
            Calls.AddOrUpdate(context.Attempt, 1, (_, n) => n + 1);
            return ValueTask.FromResult<StepOutcome<InventoryReserved>>(new InventoryReserved("R-" + context.IdempotencyKey));
        }
    }
}
