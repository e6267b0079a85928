using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Sagas.Outbox;
using Sagas.Persistence;

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
