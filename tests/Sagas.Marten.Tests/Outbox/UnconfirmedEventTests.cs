using System.Collections.Concurrent;
using Checkout.Contracts;
using Checkout.Simulation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
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

/// <summary>Looks at the outbox table of a schema until it is as expected (the reaper works in the background).</summary>
internal static class OutboxTable
{
    /// <summary>Waits until the only row is a sent event kept for its check; returns its id.</summary>
    public static async Task<Guid> KeptAsync(string schema)
    {
        await UntilAsync($"select count(*) from {schema}.sagas_outbox where confirm_source is not null and due_at is not null", n => n > 0);
        await using var connection = new Npgsql.NpgsqlConnection(PostgresDatabase.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand($"select id from {schema}.sagas_outbox where confirm_source is not null", connection);
        return (Guid)(await command.ExecuteScalarAsync())!;
    }

    public static Task OnlyAsync(string schema, Guid id) => UntilAsync($"select count(*) from {schema}.sagas_outbox where id <> '{id}'", n => n == 0);

    public static Task EmptyAsync(string schema) => UntilAsync($"select count(*) from {schema}.sagas_outbox", n => n == 0);

    /// <summary>Reads <paramref name="count"/> until <paramref name="done"/> holds, for at most 30 s.</summary>
    public static async Task UntilAsync(string count, Func<long, bool> done)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!done(await PostgresDatabase.ScalarAsync(count)))
        {
            await Task.Delay(20, timeout.Token);
        }
    }
}

/// <summary>A process that publishes with <see cref="IOutboxPublisher"/> and consumes nothing, as the checkout's API.</summary>
internal sealed class Producer : IAsyncDisposable
{
    private readonly LogRecorder _logs = new();
    private readonly DeliveryRecorder _sent = new();
    private IHost _host = null!;

    public IServiceProvider Services => _host.Services;

    public IOutboxPublisher Publisher => Services.GetRequiredService<IOutboxPublisher>();

    /// <summary>Every message this process sent, inline or by its relay.</summary>
    public IEnumerable<Guid> Sent => _sent.Ids;

    public IEnumerable<(LogLevel Level, string Message)> Logs => _logs.Entries;

    public static async Task<Producer> StartAsync(string schema, TimeProvider time, Action<MartenSagasOptions>? options = null)
    {
        var producer = new Producer();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders().AddProvider(producer._logs).SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(time);
        builder.Services.AddSingleton<IOutboxCheckpoint>(producer._sent);
        builder.Services.AddSagas(sagas => sagas
            .AddContracts(contracts => contracts.AddCheckoutContracts())
            .UseMarten(o =>
            {
                o.ConnectionString = PostgresDatabase.ConnectionString;
                o.SchemaName = schema;
                o.RunRelay = false; // the test drives the relay passes
                options?.Invoke(o);
            }));
        producer._host = builder.Build();
        MassTransit.LogContext.ConfigureCurrentLogContext(producer.Services.GetRequiredService<ILoggerFactory>());
        await producer._host.StartAsync();
        return producer;
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }

    private sealed class LogRecorder : ILoggerProvider
    {
        public ConcurrentQueue<(LogLevel Level, string Message)> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(Entries);

        public void Dispose()
        {
        }

        private sealed class Logger(ConcurrentQueue<(LogLevel, string)> entries) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
                => entries.Enqueue((logLevel, formatter(state, exception)));
        }
    }
}
