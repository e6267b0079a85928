using System.Collections.Concurrent;
using Checkout;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sagas.Marten.Outbox;
using Sagas.Testing;

namespace Sagas.Marten.Tests.Outbox;

// The broker refuses one message for good (with mandatory routing, an event no queue is bound for yet): the relay holds it
// back and goes on with the others, and its saga's later messages wait behind it, so a saga's messages still leave in
// commit order.
public sealed class When_the_broker_refuses_one_message
{
    [Fact]
    public async Task The_relay_goes_on_with_other_sagas_and_its_sagas_later_message_waits_behind_it()
    {
        var schema = await PostgresDatabase.FreshSchemaAsync(nameof(When_the_broker_refuses_one_message));
        var seen = new ConcurrentQueue<string>();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSagas(s => s.AddCheckout()
            .UseMarten(o =>
            {
                o.ConnectionString = PostgresDatabase.ConnectionString;
                o.SchemaName = schema;
                o.RunRelay = false; // the test drives the relay passes
                o.RelayTakeoverDelay = TimeSpan.Zero;
                o.RelaySendRetries = 0;
                o.RelaySendRetryDelay = TimeSpan.FromMinutes(1); // held back for the whole test
                o.RelaySendRetryMaxDelay = TimeSpan.FromMinutes(1);
            })
            .ConfigureBus((_, bus) =>
            {
                bus.ConfigureSend(send => send.UseExecute(context =>
                {
                    if (context.DestinationAddress?.AbsolutePath.EndsWith("/refused", StringComparison.Ordinal) == true)
                    {
                        throw new InvalidOperationException("The broker returned the message: no queue is bound for it.");
                    }
                }));
                ((IInMemoryBusFactoryConfigurator)bus).ReceiveEndpoint("relay-probe", e =>
                    e.Handler<Checkout.Contracts.ReleaseInventory>(context =>
                    {
                        seen.Enqueue(context.Message.ReservationId!);
                        return Task.CompletedTask;
                    }));
            }));
        using var host = builder.Build();
        await host.StartAsync();
        var relay = host.Services.GetRequiredService<OutboxRelay>();

        // Committed by some other process, in this order: saga A's refused message, then saga A's next, then saga B's.
        await PostgresDatabase.ScalarAsync($$$"""
            insert into {{{schema}}}.sagas_outbox (id, destination, content_type, body, saga_id, created_at)
            select gen_random_uuid(), 'loopback://localhost/' || destination, 'application/cloudevents+json',
                   convert_to('{"specversion":"1.0","type":"com.example.checkout.release-inventory.v1","source":"/probe","id":"' || reservation || '","subject":"' || saga || '","datacontenttype":"application/json","data":{"orderId":"' || saga || '","reservationId":"' || reservation || '"}}', 'UTF8'),
                   saga, now() - interval '1 minute'
            from (values ('refused', 'a-1', md5('a')::uuid, 1), ('relay-probe', 'a-2', md5('a')::uuid, 2), ('relay-probe', 'b-1', md5('b')::uuid, 3))
                 as m(destination, reservation, saga, position)
            order by position;
            select 0
            """);

        Assert.Equal(0, await relay.RelayBatchAsync(default)); // the refused message ends the pass; nothing before it to send
        Assert.Equal(1, await relay.RelayBatchAsync(default)); // held back: saga B's goes on, saga A's next waits behind it
        Assert.Equal(0, await relay.RelayBatchAsync(default));

        Assert.Equal(2, await PostgresDatabase.ScalarAsync($"select count(*) from {schema}.sagas_outbox where convert_from(body, 'UTF8') like '%\"a-_\"%'"));
        Assert.Equal(0, await PostgresDatabase.ScalarAsync($"select count(*) from {schema}.sagas_outbox where convert_from(body, 'UTF8') like '%\"b-1\"%'"));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (seen.IsEmpty)
        {
            await Task.Delay(20, timeout.Token);
        }

        Assert.Equal(["b-1"], seen);
        await host.StopAsync();
    }
}
