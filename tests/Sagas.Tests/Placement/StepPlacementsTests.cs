using Microsoft.Extensions.Time.Testing;
using Sagas.Placement;

namespace Sagas.Tests.Placement;

public sealed class When_the_process_places_a_command
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Its_queue_wait_is_the_time_since_it_was_sent_on_this_process_clock()
    {
        var placements = new StepPlacements(_time);
        var overflow = new StepOverflow { QueueWaitTarget = TimeSpan.FromSeconds(1) };

        var fresh = placements.Decide("com.example.invoice.v1", overflow, sentAt: _time.GetUtcNow().AddMilliseconds(-200));
        var stale = placements.Decide("com.example.invoice.v1", overflow, sentAt: _time.GetUtcNow().AddSeconds(-3));

        Assert.Equal((false, "primary: 0 in flight"), (fresh.Overflow, fresh.Reason));
        Assert.Equal((true, "overflow: waited 3000 ms in the queue, above 1000 ms"), (stale.Overflow, stale.Reason));
    }

    [Fact]
    public void Each_step_is_placed_on_its_own_load()
    {
        var placements = new StepPlacements(_time);
        var overflow = new StepOverflow { QueueWaitTarget = TimeSpan.FromSeconds(1) };

        Assert.True(placements.Decide("com.example.invoice.v1", overflow, _time.GetUtcNow().AddSeconds(-3)).Overflow);

        Assert.False(placements.Decide("com.example.ship.v1", overflow, _time.GetUtcNow()).Overflow);
    }
}
