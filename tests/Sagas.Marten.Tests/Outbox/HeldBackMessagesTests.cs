using Sagas.Marten.Outbox;

namespace Sagas.Marten.Tests.Outbox;

public sealed class When_the_relay_holds_a_message_back
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void It_waits_twice_as_long_after_each_failure_up_to_the_longest_delay()
    {
        var held = new HeldBackMessages(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(500));

        Assert.Equal([100, 200, 400, 500, 500], Enumerable.Range(0, 5).Select(_ => held.Failed(7, Now).TotalMilliseconds));
    }

    [Fact]
    public void It_is_not_claimed_until_its_backoff_has_passed_and_only_it_is_held()
    {
        var held = new HeldBackMessages(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));
        held.Failed(7, Now);

        Assert.Equal([7], held.Waiting(Now + TimeSpan.FromMilliseconds(999)));
        Assert.Empty(held.Waiting(Now + TimeSpan.FromSeconds(1)));
        Assert.True(held.Contains(7)); // tried again once, not with the full retries
        Assert.False(held.Contains(8));
    }

    [Fact]
    public void Once_sent_it_is_no_longer_held_back_and_fails_afresh()
    {
        var held = new HeldBackMessages(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));
        held.Failed(7, Now);
        held.Failed(7, Now);

        held.Sent(7);

        Assert.False(held.Contains(7));
        Assert.Equal(TimeSpan.FromSeconds(1), held.Failed(7, Now));
    }

    [Fact]
    public void A_row_not_tried_for_ten_minutes_is_forgotten()
    {
        var held = new HeldBackMessages(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));
        held.Failed(7, Now);
        held.Failed(8, Now + TimeSpan.FromMinutes(5));

        held.Waiting(Now + TimeSpan.FromSeconds(1) + TimeSpan.FromMinutes(10) + TimeSpan.FromTicks(1));

        Assert.False(held.Contains(7));
        Assert.True(held.Contains(8));
    }
}
