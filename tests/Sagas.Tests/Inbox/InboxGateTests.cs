using Sagas.Inbox;

namespace Sagas.Tests.Inbox;

public sealed class InboxGateTests
{
    private static readonly InboxKey Key = new("orders", "/api", "e1");
    private readonly InboxGate _gate = new();

    [Fact]
    public async Task A_second_copy_waits_until_the_first_is_done_then_enters()
    {
        var first = await _gate.EnterAsync(Key, default);

        var second = _gate.EnterAsync(Key, default).AsTask();
        await Task.Delay(50);
        Assert.False(second.IsCompleted);

        first.Dispose();
        using var entered = await second.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Copies_of_another_event_do_not_wait()
    {
        using var first = await _gate.EnterAsync(Key, default);

        var other = _gate.EnterAsync(Key with { Id = "e2" }, default);
        var elsewhere = _gate.EnterAsync(Key with { Endpoint = "invoices" }, default);

        Assert.True(other.IsCompleted);
        Assert.True(elsewhere.IsCompleted);
        (await other).Dispose();
        (await elsewhere).Dispose();
    }

    [Fact]
    public async Task Many_copies_at_once_enter_one_at_a_time_and_all_enter()
    {
        var inside = 0;
        var most = 0;
        var entered = 0;

        await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(async () =>
        {
            using var lease = await _gate.EnterAsync(Key, default);
            var now = Interlocked.Increment(ref inside);
            InterlockedMax(ref most, now);
            await Task.Yield();
            Interlocked.Decrement(ref inside);
            Interlocked.Increment(ref entered);
        }))).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(1, most);
        Assert.Equal(50, entered);
    }

    [Fact]
    public async Task A_waiting_copy_that_is_cancelled_leaves_and_the_others_still_enter()
    {
        var first = await _gate.EnterAsync(Key, default);
        using var cancel = new CancellationTokenSource();
        var cancelled = _gate.EnterAsync(Key, cancel.Token).AsTask();
        var waiting = _gate.EnterAsync(Key, default).AsTask();

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.False(waiting.IsCompleted);

        first.Dispose();
        using var entered = await waiting.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var seen = Volatile.Read(ref target);
        while (value > seen && Interlocked.CompareExchange(ref target, value, seen) is var was && was != seen)
        {
            seen = was;
        }
    }
}
