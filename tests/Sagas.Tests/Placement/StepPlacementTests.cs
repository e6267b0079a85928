using Sagas.Placement;

namespace Sagas.Tests.Placement;

public sealed class When_a_step_command_is_placed
{
    private static readonly StepOverflow ByInFlight = new() { MaxInFlight = 8, ResumeBelow = 0.5 };
    private static readonly StepOverflow ByLatency = new() { LatencyTarget = TimeSpan.FromSeconds(2), ResumeBelow = 0.5 };

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

    private static (bool, string) Of(PlacementDecision decision) => (decision.Overflow, decision.Reason);
}
