using Checkout.Contracts;
using Checkout.Simulation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Sagas.Marten.Outbox;
using Sagas.Marten.Tests.Harness;
using Sagas.Outbox;
using Sagas.Testing;

namespace Sagas.Marten.Tests.Outbox;

// An event published with IOutboxPublisher (an API starting a saga) is kept after it is sent, until a consumer's inbox or
// the dead letters in the same database record it. Here a bus with no consumer bound stands for a broker that lost it.
public sealed class When_a_published_event_is_lost_before_its_consumer_records_it
{
    [Fact]
    public async Task It_is_sent_again_after_the_delay_starts_its_saga_and_leaves_the_outbox_once_recorded()
    {
        var schema = await PostgresDatabase.FreshSchemaAsync(nameof(When_a_published_event_is_lost_before_its_consumer_records_it));
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var api = await Producer.StartAsync(schema, time);
        var order = OrderScenarios.Create(Scenario.Happy, 1);
        Assert.True(await api.Publisher.PublishAsync(order, order.OrderId.ToString()));
        var id = await OutboxTable.KeptAsync(schema);

        await using var checkout = await MartenCheckout.StartAsync(schema, time, options: o => o.RunRelay = false);
        var relay = checkout.Services.GetRequiredService<OutboxRelay>();
        Assert.Equal(0, await relay.RelayBatchAsync(default)); // sent a moment ago: not checked before the delay
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, await relay.RelayBatchAsync(default));
        await checkout.Sagas.WaitAsync(order.OrderId, s => s.CurrentState == "Completed", TimeSpan.FromSeconds(30));

        Assert.Equal(1, await PostgresDatabase.ScalarAsync($"select count(*) from {schema}.sagas_outbox where id = '{id}' and due_at > now()"));
        await OutboxTable.OnlyAsync(schema, id); // the checkout's own messages are delivered and gone
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(0, await relay.RelayBatchAsync(default)); // the saga's inbox holds it: removed, not sent
        Assert.Equal(0, await PostgresDatabase.ScalarAsync($"select count(*) from {schema}.sagas_outbox"));
    }

    [Fact]
    public async Task Past_the_window_it_is_sent_no_more_and_an_error_names_it()
    {
        var schema = await PostgresDatabase.FreshSchemaAsync(nameof(When_a_published_event_is_lost_before_its_consumer_records_it) + "_window");
        using var measurements = new SagasMeasurements(); // only this class sends events again, one test at a time
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var api = await Producer.StartAsync(schema, time, o => o.UnconfirmedResendWindow = TimeSpan.FromMinutes(3));
        var order = OrderScenarios.Create(Scenario.Happy, 2);
        await api.Publisher.PublishAsync(order, order.OrderId.ToString());
        var id = await OutboxTable.KeptAsync(schema);
        var relay = api.Services.GetRequiredService<OutboxRelay>();

        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, await relay.RelayBatchAsync(default));
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, await relay.RelayBatchAsync(default));
        Assert.Equal(2, api.Logs.Count(e => e is { Level: LogLevel.Warning } && e.Message.Contains($"Event {id}", StringComparison.Ordinal) && e.Message.Contains("sending it again", StringComparison.Ordinal)));
        var sentBefore = api.Sent.Count(s => s == id);
        time.Advance(TimeSpan.FromMinutes(1));
        await relay.RelayBatchAsync(default);

        Assert.Equal(sentBefore, api.Sent.Count(s => s == id));
        Assert.Equal(0, await PostgresDatabase.ScalarAsync($"select count(*) from {schema}.sagas_outbox"));
        Assert.Contains(api.Logs, e => e is { Level: LogLevel.Error } && e.Message.Contains($"Event {id}", StringComparison.Ordinal) && e.Message.Contains("no consumer in this database recorded it", StringComparison.Ordinal));
        Assert.Equal(["resent", "resent", "expired"], measurements.All.Where(m => m.Instrument == "sagas.outbox.unconfirmed").Select(m => m.Tags["outcome"]));
    }

    [Fact]
    public async Task With_a_delay_of_zero_it_leaves_the_outbox_once_sent()
    {
        var schema = await PostgresDatabase.FreshSchemaAsync(nameof(When_a_published_event_is_lost_before_its_consumer_records_it) + "_off");
        await using var api = await Producer.StartAsync(schema, new FakeTimeProvider(DateTimeOffset.UtcNow), o => o.UnconfirmedResendDelay = TimeSpan.Zero);
        var order = OrderScenarios.Create(Scenario.Happy, 3);
        await api.Publisher.PublishAsync(order, order.OrderId.ToString());

        await OutboxTable.EmptyAsync(schema);
        Assert.Single(api.Sent);
    }
}

public sealed class When_a_published_event_is_dead_lettered_by_its_consumer
{
    [Fact]
    public async Task It_is_not_sent_again()
    {
        var schema = await PostgresDatabase.FreshSchemaAsync(nameof(When_a_published_event_is_dead_lettered_by_its_consumer));
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var checkout = await MartenCheckout.StartAsync(schema, time, options: o => o.RunRelay = false);
        var order = OrderScenarios.Create(Scenario.Happy, 1) with { Lines = [] }; // invalid: the consumer rejects it
        await checkout.Services.GetRequiredService<IOutboxPublisher>().PublishAsync(order, order.OrderId.ToString());
        var id = await OutboxTable.KeptAsync(schema);
        await OutboxTable.UntilAsync($"select count(*) from {schema}.sagas_dead_letters where event_id = '{id}'", n => n > 0);

        time.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(0, await checkout.Services.GetRequiredService<OutboxRelay>().RelayBatchAsync(default));
        Assert.Equal(0, await PostgresDatabase.ScalarAsync($"select count(*) from {schema}.sagas_outbox"));
    }
}
