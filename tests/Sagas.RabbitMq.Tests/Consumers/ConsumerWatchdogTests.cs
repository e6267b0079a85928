using System.Collections.Concurrent;
using MassTransit;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Sagas.RabbitMq.Consumers;

namespace Sagas.RabbitMq.Tests.Consumers;

/// <summary>
/// The watchdog's rules on a real MassTransit bus (in memory: the rules do not depend on the broker), with the broker's
/// consumer counts scripted per check; and its restart on RabbitMQ.
/// </summary>
public sealed class ConsumerWatchdogTests
{
    [Fact]
    public async Task An_endpoint_the_broker_lists_no_consumer_for_at_two_checks_in_a_row_is_restarted_and_consumes_again()
    {
        await using var bus = await WatchedBus.StartAsync(0, 0);

        await bus.Watchdog.CheckAsync(CancellationToken.None);
        Assert.Equal(0, bus.Events.Stopped); // one check without a consumer is not enough

        await bus.Watchdog.CheckAsync(CancellationToken.None);
        await bus.Events.ReadyAgainAsync();
        Assert.Equal(1, bus.Events.Stopped);
        await bus.AssertConsumesAsync();
    }

    [Fact]
    public async Task A_consumer_seen_between_two_checks_without_one_starts_the_count_again()
    {
        await using var bus = await WatchedBus.StartAsync(0, 1, 0, 0);

        for (var check = 0; check < 3; check++)
        {
            await bus.Watchdog.CheckAsync(CancellationToken.None);
        }

        Assert.Equal(0, bus.Events.Stopped);
        await bus.Watchdog.CheckAsync(CancellationToken.None); // the second in a row
        await bus.Events.ReadyAgainAsync();
        Assert.Equal(1, bus.Events.Stopped);
    }

    [Fact]
    public async Task A_queue_the_broker_cannot_tell_about_is_left_alone()
    {
        await using var bus = await WatchedBus.StartAsync(null, null, null);

        for (var check = 0; check < 3; check++)
        {
            await bus.Watchdog.CheckAsync(CancellationToken.None);
        }

        Assert.Equal(0, bus.Events.Stopped);
        await bus.AssertConsumesAsync();
    }

    [Fact]
    public async Task An_endpoint_MassTransit_knows_to_be_stopped_is_left_to_MassTransit()
    {
        await using var bus = await WatchedBus.StartAsync(0, 0, 0);
        await bus.Endpoint.StopAsync(); // as a fault or a reconnect would take it down: MassTransit brings it back itself
        var stopped = bus.Events.Stopped;

        for (var check = 0; check < 3; check++)
        {
            await bus.Watchdog.CheckAsync(CancellationToken.None);
        }

        Assert.Equal(stopped, bus.Events.Stopped);
        Assert.Equal(1, bus.Events.Ready); // never started again by the watchdog
    }

    [Fact]
    public async Task The_check_runs_every_interval()
    {
        var time = new FakeTimeProvider();
        await using var bus = await WatchedBus.StartAsync(time, TimeSpan.FromSeconds(30), 1, 1);
        await bus.Watchdog.StartAsync(CancellationToken.None);

        // The service starts its loop in the background: a second at a time until its first check.
        for (var until = DateTime.UtcNow.AddSeconds(10); bus.Counts.Checks == 0; await Task.Delay(10))
        {
            Assert.True(DateTime.UtcNow < until, "no check ran");
            time.Advance(TimeSpan.FromSeconds(1));
        }

        time.Advance(TimeSpan.FromSeconds(29));
        await Task.Delay(100);
        Assert.Equal(1, bus.Counts.Checks);
        time.Advance(TimeSpan.FromSeconds(1));
        await bus.Counts.ChecksAsync(2);
        await bus.Watchdog.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task An_interval_of_zero_turns_the_check_off()
    {
        var time = new FakeTimeProvider();
        await using var bus = await WatchedBus.StartAsync(time, TimeSpan.Zero, 0, 0);

        await bus.Watchdog.StartAsync(CancellationToken.None);
        await bus.Watchdog.ExecuteTask!.WaitAsync(TimeSpan.FromSeconds(10)); // the service ends at once, no loop left
        time.Advance(TimeSpan.FromMinutes(10));

        Assert.Equal(0, bus.Counts.Checks);
        Assert.Equal(0, bus.Events.Stopped);
    }

    [Fact]
    public async Task On_RabbitMQ_the_restarted_endpoint_consumes_again_and_the_broker_lists_its_consumer()
    {
        var queue = $"watchdog-probe-{Guid.NewGuid():N}";
        await using var bus = await WatchedBus.StartOnAsync(
            configure => Bus.Factory.CreateUsingRabbitMq(cfg =>
            {
                cfg.Host(Harness.Broker.Address);
                configure(cfg);
            }),
            queue,
            0,
            0);

        await bus.Watchdog.CheckAsync(CancellationToken.None);
        await bus.Watchdog.CheckAsync(CancellationToken.None);
        await bus.Events.ReadyAgainAsync();

        Assert.Equal(1, bus.Events.Stopped);
        Assert.Equal(new[] { queue, queue }, bus.Counts.Asked); // never the bus's own temporary reply queue, which only this process consumes
        await bus.AssertConsumesAsync();
        await using var counts = new RabbitMqQueueConsumers(new RabbitMqSagasOptions { ConnectionString = Harness.Broker.Address.ToString() }, NullLogger<RabbitMqQueueConsumers>.Instance);
        Assert.Equal(1u, (await counts.CountAsync([queue], CancellationToken.None))[queue]);
        await bus.DisposeAsync();
        await using var connection = await Harness.Broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeleteAsync(queue, ifUnused: false, ifEmpty: false); // its exchange stays, as MassTransit's do
    }

    public sealed record Ping(Guid Id);

    /// <summary>An in-memory bus with one endpoint, <c>orders</c>, watched by a watchdog that reads scripted counts.</summary>
    private sealed class WatchedBus : IAsyncDisposable
    {
        private readonly IBusControl _bus;
        private readonly ConcurrentDictionary<Guid, bool> _consumed = new();

        private readonly string _queue;

        private WatchedBus(IBusControl bus, ConsumerWatchdog watchdog, ScriptedCounts counts, EndpointEvents events, HostReceiveEndpointHandle endpoint, string queue)
            => (_bus, Watchdog, Counts, Events, Endpoint, _queue) = (bus, watchdog, counts, events, endpoint, queue);

        public ConsumerWatchdog Watchdog { get; }

        public ScriptedCounts Counts { get; }

        public EndpointEvents Events { get; }

        public HostReceiveEndpointHandle Endpoint { get; }

        /// <summary>Starts an in-memory bus; each check reads the next of <paramref name="counts"/> for <c>orders</c>.</summary>
        public static Task<WatchedBus> StartAsync(params uint?[] counts)
            => StartAsync(TimeProvider.System, TimeSpan.FromSeconds(30), counts);

        /// <summary>As <see cref="StartAsync(uint?[])"/>, the watchdog on <paramref name="time"/> checking every <paramref name="interval"/> once started.</summary>
        public static Task<WatchedBus> StartAsync(TimeProvider time, TimeSpan interval, params uint?[] counts)
            => StartOnAsync(configure => Bus.Factory.CreateUsingInMemory(configure), "orders", time, interval, counts);

        /// <summary>Starts a bus with an endpoint on <paramref name="queue"/>; each check reads the next of <paramref name="counts"/> for it.</summary>
        public static Task<WatchedBus> StartOnAsync(Func<Action<IBusFactoryConfigurator>, IBusControl> create, string queue, params uint?[] counts)
            => StartOnAsync(create, queue, TimeProvider.System, TimeSpan.FromSeconds(30), counts);

        private static async Task<WatchedBus> StartOnAsync(Func<Action<IBusFactoryConfigurator>, IBusControl> create, string queue, TimeProvider time, TimeSpan interval, uint?[] counts)
        {
            var scripted = new ScriptedCounts(queue, counts);
            var watchdog = new ConsumerWatchdog(
                new RabbitMqSagasOptions { ConnectionString = "amqp://localhost/", ConsumerCheckInterval = interval },
                scripted,
                time,
                NullLogger<ConsumerWatchdog>.Instance);
            var events = new EndpointEvents(queue);
            var bus = create(_ => { });
            bus.ConnectReceiveEndpointObserver(watchdog);
            bus.ConnectReceiveEndpointObserver(events);
            await bus.StartAsync();
            WatchedBus? watched = null;
            var endpoint = bus.ConnectReceiveEndpoint(queue, e => e.Handler<Ping>(context =>
            {
                watched!._consumed[context.Message.Id] = true;
                return Task.CompletedTask;
            }));
            watched = new WatchedBus(bus, watchdog, scripted, events, endpoint, queue);
            await endpoint.Ready;

            // The handle's Ready can complete before the observers hear of it; they hear in the order they were connected, so
            // once the events have, the watchdog watches the endpoint too (else a check could miss it and shift the script).
            for (var until = DateTime.UtcNow.AddSeconds(10); events.Ready == 0; await Task.Delay(10))
            {
                Assert.True(DateTime.UtcNow < until, "the endpoint was never reported ready");
            }

            return watched;
        }

        public async Task AssertConsumesAsync()
        {
            var ping = new Ping(Guid.NewGuid());
            var endpoint = await _bus.GetSendEndpoint(new Uri($"queue:{_queue}"));
            await endpoint.Send(ping);
            var until = DateTime.UtcNow.AddSeconds(10);
            while (!_consumed.ContainsKey(ping.Id))
            {
                Assert.True(DateTime.UtcNow < until, "the endpoint did not consume a message sent to it");
                await Task.Delay(20);
            }
        }

        public async ValueTask DisposeAsync() => await _bus.StopAsync();
    }

    /// <summary>Counts the endpoint's stops and readies.</summary>
    private sealed class EndpointEvents(string queue) : IReceiveEndpointObserver
    {
        private readonly TaskCompletionSource _readyAgain = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _ready;
        private int _stopped;

        public int Ready => Volatile.Read(ref _ready);

        public int Stopped => Volatile.Read(ref _stopped);

        public Task ReadyAgainAsync() => _readyAgain.Task.WaitAsync(TimeSpan.FromSeconds(30)); // a bound for a loaded machine, not a speed

        Task IReceiveEndpointObserver.Ready(ReceiveEndpointReady ready)
        {
            if (Mine(ready) && Interlocked.Increment(ref _ready) > 1)
            {
                _readyAgain.TrySetResult();
            }

            return Task.CompletedTask;
        }

        public Task Stopping(ReceiveEndpointStopping stopping)
        {
            if (Mine(stopping))
            {
                Interlocked.Increment(ref _stopped);
            }

            return Task.CompletedTask;
        }

        public Task Completed(ReceiveEndpointCompleted completed) => Task.CompletedTask;

        public Task Faulted(ReceiveEndpointFaulted faulted) => Task.CompletedTask;

        private bool Mine(ReceiveEndpointEvent e) => e.InputAddress.Segments[^1] == queue;
    }

    /// <summary>
    /// The next scripted count for <paramref name="queue"/> at each check (then unknown); one consumer for any other queue
    /// (the in-memory bus's own endpoint is not marked temporary). Records the checks and the queues asked about.
    /// </summary>
    private sealed class ScriptedCounts(string queue, uint?[] counts) : IQueueConsumers
    {
        private readonly ConcurrentQueue<string> _asked = new();
        private int _next;
        private int _checks;

        public IReadOnlyList<string> Asked => [.. _asked];

        public int Checks => Volatile.Read(ref _checks);

        public async Task ChecksAsync(int checks)
        {
            for (var until = DateTime.UtcNow.AddSeconds(10); Checks < checks; await Task.Delay(10))
            {
                Assert.True(DateTime.UtcNow < until, $"{Checks} checks ran, not {checks}");
            }
        }

        public Task<IReadOnlyDictionary<string, uint?>> CountAsync(IReadOnlyCollection<string> queues, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _checks);
            foreach (var name in queues)
            {
                _asked.Enqueue(name);
            }

            return Task.FromResult<IReadOnlyDictionary<string, uint?>>(queues.ToDictionary(name => name, name => name != queue ? 1u : _next < counts.Length ? counts[_next++] : null));
        }
    }
}
