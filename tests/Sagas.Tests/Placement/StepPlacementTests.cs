using Sagas.Placement;

namespace Sagas.Tests.Placement;

public sealed class When_a_step_command_is_placed
{
    private static readonly StepOverflow ByInFlight = new() { MaxInFlight = 8, ResumeBelow = 0.5 };
    private static readonly StepOverflow ByLatency = new() { LatencyTarget = TimeSpan.FromSeconds(2), ResumeBelow = 0.5 };
    private static readonly StepOverflow ByQueueWait = new() { QueueWaitTarget = TimeSpan.FromMilliseconds(500), ResumeBelow = 0.5 };

    [Theory]
    [InlineData(0, false, "primary: 0 in flight")]
    [InlineData(7, false, "primary: 7 in flight")]
    [InlineData(8, true, "overflow: 8 in flight, at most 8")]
    [InlineData(30, true, "overflow: 30 in flight, at most 8")]
    public void It_overflows_once_the_handlers_in_flight_reach_the_threshold(int inFlight, bool overflow, string reason)
    {
        var decision = new StepPlacement().Decide(ByInFlight, inFlight, latency: null);

        Assert.Equal((overflow, reason), (decision.Overflow, decision.Reason));
    }

    [Theory]
    [InlineData(null, false, "primary: 3 in flight")]
    [InlineData(2000, false, "primary: 3 in flight")]
    [InlineData(2001, true, "overflow: latency 2001 ms above 2000 ms")]
    public void It_overflows_once_the_recent_latency_passes_the_target(int? latencyMs, bool overflow, string reason)
    {
        var decision = new StepPlacement().Decide(ByLatency, 3, latencyMs is { } ms ? TimeSpan.FromMilliseconds(ms) : null);

        Assert.Equal((overflow, reason), (decision.Overflow, decision.Reason));
    }

    [Theory]
    [InlineData(null, false, "primary: 2 in flight")]
    [InlineData(99, false, "primary: 2 in flight")]
    [InlineData(100, true, "overflow: 100 waiting in the queue, at most 100")]
    public void It_overflows_once_its_queue_holds_the_threshold(int? depth, bool overflow, string reason)
    {
        var decision = new StepPlacement().Decide(new StepOverflow { MaxQueueDepth = 100 }, 2, latency: null, queueDepth: depth);

        Assert.Equal((overflow, reason), (decision.Overflow, decision.Reason));
    }

    [Fact]
    public void Once_overflowing_by_its_queue_it_comes_back_when_the_queue_is_at_the_resume_share_or_unknown()
    {
        var byDepth = new StepOverflow { MaxQueueDepth = 100, ResumeBelow = 0.5 };
        var placement = new StepPlacement();
        Assert.True(placement.Decide(byDepth, 0, null, queueDepth: 120).Overflow);

        Assert.Equal((true, "overflow: 51 waiting in the queue, back at 50"), Of(placement.Decide(byDepth, 0, null, queueDepth: 51)));
        Assert.Equal((false, "primary again: 0 in flight"), Of(placement.Decide(byDepth, 0, null, queueDepth: 50)));
        Assert.True(placement.Decide(byDepth, 0, null, queueDepth: 100).Overflow);
        Assert.Equal((false, "primary again: 0 in flight"), Of(placement.Decide(byDepth, 0, null, queueDepth: null))); // the broker could not be asked
    }

    [Fact]
    public void Once_overflowing_it_stays_until_the_load_is_under_the_resume_share_so_it_does_not_flap()
    {
        var placement = new StepPlacement();
        Assert.True(placement.Decide(ByInFlight, 8, null).Overflow);

        // Between the resume level (4) and the threshold (8): a step that is not overflowing runs here, one that is stays out.
        Assert.Equal((true, "overflow: 7 in flight, back at 4"), Of(placement.Decide(ByInFlight, 7, null)));
        Assert.Equal((true, "overflow: 5 in flight, back at 4"), Of(placement.Decide(ByInFlight, 5, null)));
        Assert.Equal((false, "primary again: 4 in flight"), Of(placement.Decide(ByInFlight, 4, null)));
        Assert.Equal((false, "primary: 7 in flight"), Of(placement.Decide(ByInFlight, 7, null)));
    }

    [Fact]
    public void A_latency_no_longer_known_does_not_keep_a_step_overflowing()
    {
        var placement = new StepPlacement();
        Assert.True(placement.Decide(ByLatency, 0, TimeSpan.FromSeconds(3)).Overflow);
        Assert.Equal((true, "overflow: latency 1500 ms, back under 1000 ms"), Of(placement.Decide(ByLatency, 0, TimeSpan.FromMilliseconds(1500))));

        // Every command overflowed for a while: no execution here to tell the latency, so the step comes back to try.
        Assert.Equal((false, "primary again: 0 in flight"), Of(placement.Decide(ByLatency, 0, latency: null)));
    }

    [Fact]
    public void With_both_thresholds_either_overflows_and_both_must_recover()
    {
        var both = new StepOverflow { MaxInFlight = 4, LatencyTarget = TimeSpan.FromSeconds(1), ResumeBelow = 0.5 };
        var placement = new StepPlacement();

        Assert.True(placement.Decide(both, 1, TimeSpan.FromSeconds(5)).Overflow);
        Assert.True(placement.Decide(both, 1, TimeSpan.FromMilliseconds(600)).Overflow); // in flight low, latency not yet
        Assert.False(placement.Decide(both, 2, TimeSpan.FromMilliseconds(500)).Overflow);
    }

    [Theory]
    [InlineData(null, false, "primary: 1 in flight")]
    [InlineData(500, false, "primary: 1 in flight")]
    [InlineData(501, true, "overflow: waited 501 ms in the queue, above 500 ms")]
    public void It_overflows_once_a_command_waited_in_its_queue_longer_than_the_target(int? waitedMs, bool overflow, string reason)
    {
        // A consumer takes a command only when it has a free slot: with every slot busy its in-flight count stays at its
        // limit, and only the queue tells that the work is backing up.
        var decision = new StepPlacement().Decide(ByQueueWait, 1, latency: null, waitedMs is { } ms ? TimeSpan.FromMilliseconds(ms) : null);

        Assert.Equal((overflow, reason), (decision.Overflow, decision.Reason));
    }

    [Fact]
    public void Once_overflowing_by_queue_wait_it_comes_back_when_commands_wait_under_the_resume_share()
    {
        var placement = new StepPlacement();
        Assert.True(placement.Decide(ByQueueWait, 1, null, TimeSpan.FromSeconds(1)).Overflow);

        Assert.Equal((true, "overflow: waited 400 ms in the queue, back under 250 ms"), Of(placement.Decide(ByQueueWait, 1, null, TimeSpan.FromMilliseconds(400))));
        Assert.Equal((false, "primary again: 1 in flight"), Of(placement.Decide(ByQueueWait, 1, null, TimeSpan.FromMilliseconds(250))));
    }

    [Fact]
    public void A_command_that_does_not_say_when_it_was_sent_does_not_keep_a_step_overflowing()
    {
        var placement = new StepPlacement();
        Assert.True(placement.Decide(ByQueueWait, 0, null, TimeSpan.FromSeconds(1)).Overflow);

        Assert.Equal((false, "primary again: 0 in flight"), Of(placement.Decide(ByQueueWait, 0, null, queueWait: null)));
    }

    private static (bool, string) Of(PlacementDecision decision) => (decision.Overflow, decision.Reason);
}
