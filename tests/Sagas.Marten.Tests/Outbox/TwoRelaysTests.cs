using System.Collections.Concurrent;
using Checkout;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sagas.Marten.Outbox;
using Sagas.Marten.Tests.Harness;
using Sagas.Testing;

namespace Sagas.Marten.Tests.Outbox;

public sealed class When_two_relays_share_one_database
{
    [Fact]
    public async Task Each_message_is_dispatched_by_exactly_one_of_them_in_order_per_saga()
    {
        var schema = await PostgresDatabase.FreshSchemaAsync(nameof(When_two_relays_share_one_database));
        var seen = new ConcurrentQueue<(int Relay, Guid Saga, int Sequence)>();
        var dispatchOrder = new DeliveryRecorder();
        await using var first = await RelayHost.StartAsync(schema, 1, seen, dispatchOrder);
        await using var second = await RelayHost.StartAsync(schema, 2, seen, dispatchOrder);

        // 400 messages of 40 sagas, committed by some other process and left for the relays.
        await PostgresDatabase.ScalarAsync($$$"""
            insert into {{{schema}}}.sagas_outbox (id, destination, content_type, body, saga_id, created_at)
            select gen_random_uuid(), 'loopback://localhost/relay-probe', 'application/cloudevents+json',
                   convert_to('{"specversion":"1.0","type":"com.example.checkout.release-inventory.v1","source":"/probe","id":"' || g || '","subject":"' || md5('saga' || (g % 40))::uuid || '","datacontenttype":"application/json","data":{"orderId":"' || md5('saga' || (g % 40))::uuid || '","reservationId":"' || g || '"}}', 'UTF8'),
                   md5('saga' || (g % 40))::uuid, now() - interval '1 minute'
            from generate_series(1, 400) g order by g;
            select 0
            """);
        var sequenceOf = await SequencesAsync(schema);
        await Task.WhenAll(Drain(first.Relay), Drain(second.Relay));
        await Poll.UntilAsync(() => seen.Count >= 400); // the relays have sent everything; the in-memory consumers may still be handling the last few

        Assert.Equal(400, seen.Count);
        Assert.Equal(400, seen.Select(s => s.Sequence).Distinct().Count());
        Assert.Contains(seen, s => s.Relay == 1);
        Assert.Contains(seen, s => s.Relay == 2);
        // Dispatch order (recorded after each batch is sent, before it commits) follows commit order per saga.
        var dispatched = dispatchOrder.Ids.Select(id => sequenceOf[id]).ToList();
        Assert.All(dispatched.GroupBy(seq => seq % 40), saga => Assert.Equal(saga.Order(), saga));
        Assert.Equal(0, await PostgresDatabase.ScalarAsync($"select count(*) from {schema}.sagas_outbox"));
    }

    private static async Task<Dictionary<Guid, long>> SequencesAsync(string schema)
    {
        await using var connection = new Npgsql.NpgsqlConnection(PostgresDatabase.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand($"select id, convert_from(body, 'UTF8')::jsonb->>'id' from {schema}.sagas_outbox", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var map = new Dictionary<Guid, long>();
        while (await reader.ReadAsync())
        {
            map[reader.GetGuid(0)] = long.Parse(reader.GetString(1), System.Globalization.CultureInfo.InvariantCulture);
        }

        return map;
    }

    private static async Task Drain(OutboxRelay relay)
    {
        var idle = 0;
        while (idle < 3)
        {
            idle = await relay.RelayBatchAsync(default) == 0 ? idle + 1 : 0;
        }
    }

    private sealed class RelayHost : IAsyncDisposable
    {
        private readonly IHost _host;

        private RelayHost(IHost host) => _host = host;

        public OutboxRelay Relay => _host.Services.GetRequiredService<OutboxRelay>();

        public static async Task<RelayHost> StartAsync(string schema, int relay, ConcurrentQueue<(int, Guid, int)> seen, IOutboxCheckpoint checkpoint)
        {
            var builder = Host.CreateApplicationBuilder();
            builder.Logging.ClearProviders();
            builder.Services.AddSingleton(checkpoint);
            builder.Services.AddSagas(s => s.AddCheckout()
                .UseMarten(o =>
                {
                    o.ConnectionString = PostgresDatabase.ConnectionString;
                    o.SchemaName = schema;
                    o.RunRelay = false; // the test drives the relay passes
                    o.RelayBatchSize = 25;
                    o.RelayTakeoverDelay = TimeSpan.Zero;
                })
                .ConfigureBus((_, bus) => ((IInMemoryBusFactoryConfigurator)bus).ReceiveEndpoint("relay-probe", e =>
                    e.Handler<Checkout.Contracts.ReleaseInventory>(context =>
                    {
                        seen.Enqueue((relay, context.Message.OrderId, int.Parse(context.Message.ReservationId!, System.Globalization.CultureInfo.InvariantCulture)));
                        return Task.CompletedTask;
                    }))));
            var host = builder.Build();
            await host.StartAsync();
            return new RelayHost(host);
        }

        public async ValueTask DisposeAsync()
        {
            await _host.StopAsync();
            _host.Dispose();
        }
    }
}
