using System.Collections.Concurrent;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Sagas.Inbox;
using Sagas.Outbox;
using Sagas.Persistence;
using Sagas.Testing;

namespace Sagas.Tests.Outbox;

public sealed class When_the_in_memory_dispatcher_schedules_a_message
{
    // Seen as a flaky test (Checkout.Tests, 1 run in about 20): the test advanced its fake clock to a retry's due time
    // while the dispatcher was between reading the clock and setting its timer, and the retry never came.
    [Fact]
    public async Task A_clock_that_moves_to_the_due_time_while_the_timer_is_being_set_still_sets_it_off()
    {
        var clock = new ClockMovingOnRead();
        using var dispatcher = DispatcherOn(clock);
        var due = clock.GetUtcNow() + TimeSpan.FromSeconds(1);

        // The dispatcher reads the clock once to see the message is not due yet, then once to set its timer: right
        // after that second read the clock moves to the due time, as a test's Advance on another thread can.
        clock.MoveOnRead(2, TimeSpan.FromSeconds(1));
        await dispatcher.DispatchAsync([Message(due)], CancellationToken.None);

        await clock.Fired.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_message_not_yet_due_waits_for_its_time()
    {
        var clock = new ClockMovingOnRead();
        using var dispatcher = DispatcherOn(clock);

        await dispatcher.DispatchAsync([Message(clock.GetUtcNow() + TimeSpan.FromSeconds(1))], CancellationToken.None);
        clock.Inner.Advance(TimeSpan.FromMilliseconds(999));
        Assert.False(clock.Fired.IsCompleted);
        clock.Inner.Advance(TimeSpan.FromMilliseconds(1));

        await clock.Fired.WaitAsync(TimeSpan.FromSeconds(5));
    }

    // No services: the messages of these tests are never in its store, so none reaches the bus (see Message).
    private static InMemoryOutboxDispatcher DispatcherOn(TimeProvider clock)
        => new(new ServiceCollection().BuildServiceProvider(), new InMemoryMessageStore(clock, TimeSpan.FromDays(1)), clock, NullLogger<InMemoryOutboxDispatcher>.Instance);

    // Not in the store: when the timer goes off the dispatcher finds it withdrawn and sends nothing, so no bus is needed.
    private static OutboxMessage Message(DateTimeOffset due) => new()
    {
        Id = Guid.NewGuid(),
        Destination = new Uri("queue:anywhere"),
        ContentType = "application/cloudevents+json",
        Body = ReadOnlyMemory<byte>.Empty,
        DueTime = due,
    };

    /// <summary>A fake clock that can move right after a given read, and says when a timer it made went off.</summary>
    private sealed class ClockMovingOnRead : TimeProvider
    {
        private readonly FakeTimeProvider _inner = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        private readonly TaskCompletionSource _fired = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _readsLeft;
        private TimeSpan _by;

        public FakeTimeProvider Inner => _inner;

        public Task Fired => _fired.Task;

        public void MoveOnRead(int read, TimeSpan by) => (_readsLeft, _by) = (read, by);

        public override DateTimeOffset GetUtcNow()
        {
            var now = _inner.GetUtcNow();
            if (_readsLeft > 0 && --_readsLeft == 0)
            {
                _inner.Advance(_by);
            }

            return now;
        }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
            => _inner.CreateTimer(s => { _fired.TrySetResult(); callback(s); }, state, dueTime, period);
    }
}

// A saga's message fails to send (the broker is down a moment): the messages its saga commits after it, in that commit and
// in later ones, must not overtake it; other sagas' messages go on, and a step's reply to the saga is not held.
public sealed class When_a_sagas_message_fails_to_send_in_memory
{
    private static readonly Guid SagaA = Guid.NewGuid();
    private static readonly Guid SagaB = Guid.NewGuid();

    [Fact]
    public async Task The_messages_its_saga_committed_after_it_wait_and_then_go_in_commit_order()
    {
        await using var rig = await Rig.StartAsync("a1", "a2"); // a1 fails once, then a2 (released behind it) fails once
        var (clock, broker, store, dispatcher) = (rig.Clock, rig.Broker, rig.Store, rig.Dispatcher);

        await CommitAndDispatchAsync(store, dispatcher, Message("a1", SagaA), Message("a2", SagaA));
        await CommitAndDispatchAsync(store, dispatcher, Message("b1", SagaB));
        await CommitAndDispatchAsync(store, dispatcher, Message("reply-a", SagaA, sagaCommit: false)); // a step's reply
        await CommitAndDispatchAsync(store, dispatcher, Message("a3", SagaA));
        Assert.Equal(["b1", "reply-a"], broker.Sent);
        Assert.Equal(3, store.Undelivered.Count);

        clock.Advance(TimeSpan.FromSeconds(1)); // a1 goes; a2, released behind it, fails and holds a3
        await broker.UntilSentAsync(3);
        await Task.Delay(100);
        Assert.Equal(["b1", "reply-a", "a1"], broker.Sent);

        clock.Advance(TimeSpan.FromSeconds(1));
        await broker.UntilSentAsync(5);
        Assert.Equal(["b1", "reply-a", "a1", "a2", "a3"], broker.Sent);
        await Poll.UntilAsync(() => store.Undelivered.Count == 0); // each is marked delivered after its send returned

        // Sent once the saga is held no more (at once, or by the release of a3 if it has not finished yet).
        await CommitAndDispatchAsync(store, dispatcher, Message("a4", SagaA));
        await broker.UntilSentAsync(6);
        Assert.Equal("a4", broker.Sent[^1]);
        await Poll.UntilAsync(() => store.Undelivered.Count == 0);
    }

    // The handler's token fires while its commit is being dispatched (its broker connection dropped): what was not sent is
    // tried again, and holds its saga, rather than being left to a redelivery the saga's next commit would overtake.
    [Fact]
    public async Task A_send_its_handler_stopped_waiting_for_is_tried_again_and_holds_what_its_saga_commits_next()
    {
        await using var rig = await Rig.StartAsync();
        var (clock, broker, store, dispatcher) = (rig.Clock, rig.Broker, rig.Store, rig.Dispatcher);

        await CommitAndDispatchAsync(store, dispatcher, new CancellationToken(canceled: true), Message("c1", SagaA), Message("c2", SagaA));
        await CommitAndDispatchAsync(store, dispatcher, Message("c3", SagaA));
        Assert.Empty(broker.Sent);

        clock.Advance(TimeSpan.FromSeconds(1));
        await broker.UntilSentAsync(3);
        Assert.Equal(["c1", "c2", "c3"], broker.Sent);
        await Poll.UntilAsync(() => store.Undelivered.Count == 0);
    }

    private static Task CommitAndDispatchAsync(InMemoryMessageStore store, InMemoryOutboxDispatcher dispatcher, params OutboxMessage[] messages)
        => CommitAndDispatchAsync(store, dispatcher, CancellationToken.None, messages);

    private static async Task CommitAndDispatchAsync(InMemoryMessageStore store, InMemoryOutboxDispatcher dispatcher, CancellationToken dispatching, params OutboxMessage[] messages)
    {
        var transaction = new MessageTransaction(new InboxKey("test", "/test", Guid.NewGuid().ToString()));
        foreach (var message in messages)
        {
            transaction.Add(message);
        }

        Assert.Equal(CommitResult.Committed, await store.CommitAsync(transaction, CancellationToken.None));
        await dispatcher.DispatchAsync(messages, dispatching);
    }

    private static OutboxMessage Message(string queue, Guid saga, bool sagaCommit = true) => new()
    {
        Id = Guid.NewGuid(),
        Destination = new Uri($"queue:{queue}"),
        ContentType = "application/cloudevents+json",
        Body = "{}"u8.ToArray(),
        SagaId = saga,
        SagaCommit = sagaCommit,
    };

    /// <summary>A dispatcher on a test clock, its store, and a started in-memory bus whose sends go through a <see cref="FlakyBroker"/>.</summary>
    private sealed record Rig(FakeTimeProvider Clock, FlakyBroker Broker, InMemoryMessageStore Store, InMemoryOutboxDispatcher Dispatcher, ServiceProvider Bus) : IAsyncDisposable
    {
        public static async Task<Rig> StartAsync(params string[] failOnce)
        {
            var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
            var broker = new FlakyBroker(failOnce);
            var bus = new ServiceCollection()
                .AddMassTransit(x => x.UsingInMemory((_, cfg) => cfg.ConfigureSend(send => send.UseExecute(broker.Send))))
                .BuildServiceProvider();
            await bus.GetRequiredService<IBusControl>().StartAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
            var store = new InMemoryMessageStore(clock, TimeSpan.FromDays(1));
            return new Rig(clock, broker, store, new InMemoryOutboxDispatcher(bus, store, clock, NullLogger<InMemoryOutboxDispatcher>.Instance), bus);
        }

        public async ValueTask DisposeAsync()
        {
            Dispatcher.Dispose();
            await Bus.DisposeAsync();
        }
    }

    /// <summary>Records the queues sent to, in order; the first send to each queue named fails.</summary>
    private sealed class FlakyBroker(params string[] failOnce)
    {
        private readonly ConcurrentDictionary<string, byte> _failed = new();
        private readonly ConcurrentQueue<string> _sent = new();

        public IReadOnlyList<string> Sent => [.. _sent];

        public void Send(SendContext context)
        {
            var queue = context.DestinationAddress!.AbsolutePath.Trim('/');
            if (failOnce.Contains(queue) && _failed.TryAdd(queue, 0))
            {
                throw new InvalidOperationException($"The broker is unreachable (sending to {queue}).");
            }

            _sent.Enqueue(queue);
        }

        public Task UntilSentAsync(int count) => Poll.UntilAsync(() => _sent.Count >= count, () => $"Sent {string.Join(", ", _sent)}, waiting for {count}.");
    }
}
