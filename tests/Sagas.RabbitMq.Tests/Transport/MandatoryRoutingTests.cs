using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using Sagas.Contracts;
using Sagas.Marten;
using Sagas.Outbox;
using Sagas.RabbitMq.Tests.Harness;
using Sagas.Testing;

namespace Sagas.RabbitMq.Tests.Transport;

[CloudEventContract("com.example.tests.parcel-scanned", 1)]
public sealed record ParcelScanned(Guid ParcelId);

[CloudEventContract("com.example.tests.parcel-delivered", 1)]
public sealed record ParcelDelivered(Guid ParcelId);

public sealed class When_a_message_has_no_queue_to_go_to_yet
{
    private const string ScannedExchange = "com.example.tests.parcel-scanned.v1";
    private const string DeliveredExchange = "com.example.tests.parcel-delivered.v1";

    /// <summary>Deletes the exchanges, so that no binding an earlier run left is there.</summary>
    private static async Task DeleteExchangesAsync(IConnection connection, params string[] exchanges)
    {
        await using var channel = await connection.CreateChannelAsync();
        foreach (var exchange in exchanges)
        {
            await channel.ExchangeDeleteAsync(exchange);
        }
    }

    /// <summary>A consumer's queue on the exchange, declared as MassTransit declares it.</summary>
    private static async Task BindQueueAsync(IConnection connection, string exchange, string queue)
    {
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true, autoDelete: false);
        await channel.QueueDeclareAsync(queue, durable: false, exclusive: false, autoDelete: true);
        await channel.QueueBindAsync(queue, exchange, string.Empty);
    }

    /// <summary>How many ready outbox rows carry the parcel.</summary>
    private static Task<long> ReadyRowsAsync(string schema, Guid parcelId)
        => PostgresDatabase.ScalarAsync($"select count(*) from {schema}.sagas_outbox where due_at is null and convert_from(body, 'UTF8') like '%{parcelId}%'");

    /// <summary>A host publishing both events through its outbox on PostgreSQL and RabbitMQ (mandatory routing, the default).</summary>
    private static async Task<IHost> StartAsync(string schema, Action<MartenSagasOptions> options)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSagas(sagas => sagas
            .AddContracts(c => c.Add<ParcelScanned>().Add<ParcelDelivered>())
            .UseMarten(o =>
            {
                o.ConnectionString = PostgresDatabase.ConnectionString;
                o.SchemaName = schema;
                options(o);
            })
            .UseRabbitMq(o => o.ConnectionString = Broker.Address.ToString()));
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    [Fact]
    public async Task It_stays_in_the_outbox_until_a_queue_is_bound_then_it_is_delivered()
    {
        var schema = await PostgresDatabase.FreshSchemaAsync(nameof(When_a_message_has_no_queue_to_go_to_yet));
        var queue = "parcel-scans-" + Guid.NewGuid().ToString("N")[..8];
        await using var connection = await Broker.ConnectAsync();
        await DeleteExchangesAsync(connection, ScannedExchange);

        using var host = await StartAsync(schema, o =>
        {
            o.RelayTakeoverDelay = TimeSpan.FromMilliseconds(100);
            o.RelayPollInterval = TimeSpan.FromMilliseconds(200);
        });
        var parcel = new ParcelScanned(Guid.NewGuid());

        Assert.True(await host.Services.GetRequiredService<IOutboxPublisher>().PublishAsync(parcel, parcel.ParcelId.ToString()));

        // The exchange exists (the send declared it) but nothing is bound to it: the broker returns the message, the send
        // fails and the row stays; without mandatory routing it would be dropped and the row deleted at once.
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(1, await PostgresDatabase.ScalarAsync($"select count(*) from {schema}.sagas_outbox"));

        await BindQueueAsync(connection, ScannedExchange, queue);
        var delivered = await Broker.GetAsync(connection, queue, TimeSpan.FromSeconds(60));

        Assert.NotNull(delivered);
        Assert.Contains(parcel.ParcelId.ToString(), System.Text.Encoding.UTF8.GetString(delivered.Body.Span), StringComparison.Ordinal);
        // The relay finishes the row it delivered: a published event is kept, no longer ready, until a consumer's inbox
        // records it (this queue's reader keeps none), due for its check a minute later.
        Task<long> PendingAsync() => PostgresDatabase.ScalarAsync($"select count(*) from {schema}.sagas_outbox where due_at is null or due_at < now() + interval '30 seconds'");
        for (var i = 0; i < 100 && await PendingAsync() > 0; i++)
        {
            await Task.Delay(100);
        }

        Assert.Equal(0, await PendingAsync());
        Assert.Equal(1, await PostgresDatabase.ScalarAsync($"select count(*) from {schema}.sagas_outbox where confirm_source is not null"));
        await host.StopAsync();
    }

    [Fact]
    public async Task The_relay_sends_the_messages_behind_it_meanwhile()
    {
        var schema = await PostgresDatabase.FreshSchemaAsync(nameof(When_a_message_has_no_queue_to_go_to_yet) + "_behind");
        var queue = "parcel-deliveries-" + Guid.NewGuid().ToString("N")[..8];
        await using var connection = await Broker.ConnectAsync();
        await DeleteExchangesAsync(connection, ScannedExchange, DeliveredExchange);

        using var host = await StartAsync(schema, o =>
        {
            o.RelayTakeoverDelay = TimeSpan.FromMilliseconds(100);
            o.RelayPollInterval = TimeSpan.FromMilliseconds(200);
            o.RelaySendRetries = 1;
            o.RelaySendRetryDelay = TimeSpan.FromMilliseconds(50);
            o.RelaySendRetryMaxDelay = TimeSpan.FromMilliseconds(500);
            o.RelayBatchSize = 1; // the held-back message alone would fill every claim, were it claimed while it waits
        });
        var publisher = host.Services.GetRequiredService<IOutboxPublisher>();
        var scanned = new ParcelScanned(Guid.NewGuid());
        var delivered = new ParcelDelivered(Guid.NewGuid());

        // Neither has a queue yet: both stay in the outbox, the one no queue will take first in line.
        Assert.True(await publisher.PublishAsync(scanned, scanned.ParcelId.ToString()));
        Assert.True(await publisher.PublishAsync(delivered, delivered.ParcelId.ToString()));
        Assert.Equal(2, await PostgresDatabase.ScalarAsync($"select count(*) from {schema}.sagas_outbox"));

        // A consumer of the second comes: the relay sends it although the first still cannot go anywhere.
        await BindQueueAsync(connection, DeliveredExchange, queue);
        var received = await Broker.GetAsync(connection, queue, TimeSpan.FromSeconds(30));

        Assert.NotNull(received);
        Assert.Contains(delivered.ParcelId.ToString(), System.Text.Encoding.UTF8.GetString(received.Body.Span), StringComparison.Ordinal);
        Assert.Equal(1, await ReadyRowsAsync(schema, scanned.ParcelId));
        await host.StopAsync();
    }

    [Fact]
    public async Task The_messages_committed_after_it_are_still_sent_at_once()
    {
        var schema = await PostgresDatabase.FreshSchemaAsync(nameof(When_a_message_has_no_queue_to_go_to_yet) + "_at_once");
        var queue = "parcel-deliveries-" + Guid.NewGuid().ToString("N")[..8];
        await using var connection = await Broker.ConnectAsync();
        await DeleteExchangesAsync(connection, ScannedExchange);
        await BindQueueAsync(connection, DeliveredExchange, queue);
        using var host = await StartAsync(schema, o => o.RunRelay = false); // what is sent is sent by the fast path
        var publisher = host.Services.GetRequiredService<IOutboxPublisher>();
        var scanned = new ParcelScanned(Guid.NewGuid());
        var delivered = new ParcelDelivered(Guid.NewGuid());

        // The broker returns the first. That says nothing about the broker's health: the next commit's message goes at
        // once, not to a relay after its takeover delay (here no relay runs at all).
        Assert.True(await publisher.PublishAsync(scanned, scanned.ParcelId.ToString()));
        Assert.True(await publisher.PublishAsync(delivered, delivered.ParcelId.ToString()));
        var received = await Broker.GetAsync(connection, queue, TimeSpan.FromSeconds(10));

        Assert.NotNull(received);
        Assert.Contains(delivered.ParcelId.ToString(), System.Text.Encoding.UTF8.GetString(received.Body.Span), StringComparison.Ordinal);
        Assert.Equal(1, await ReadyRowsAsync(schema, scanned.ParcelId));
        await host.StopAsync();
    }
}
