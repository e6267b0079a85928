using Sagas.Steps;

namespace Sagas.Tests.Steps;

public sealed class StepRetryOptionsTests
{
    private static readonly Guid Saga = Guid.Parse("6b1c3f9e-2f0a-4c1e-9d55-0c8a4f3b2a11");

    [Fact]
    public void Delays_double_from_the_initial_delay_without_jitter()
    {
        var retry = new StepRetryOptions { InitialDelay = TimeSpan.FromMilliseconds(100), Jitter = 0 };

        Assert.Equal([100, 200, 400, 800], Enumerable.Range(2, 4).Select(a => retry.DelayBefore(a, Saga).TotalMilliseconds));
    }

    [Fact]
    public void Delays_are_capped_at_the_maximum()
    {
        var retry = new StepRetryOptions { InitialDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(5), Jitter = 0.5 };

        Assert.All(Enumerable.Range(2, 20), a => Assert.True(retry.DelayBefore(a, Saga) <= TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void Jitter_stays_within_its_fraction_and_is_the_same_for_the_same_saga_and_attempt()
    {
        var retry = new StepRetryOptions { InitialDelay = TimeSpan.FromSeconds(1), Jitter = 0.2 };
        var delays = Enumerable.Range(0, 200).Select(_ => Guid.NewGuid()).Select(g => retry.DelayBefore(2, g).TotalMilliseconds).ToList();

        Assert.All(delays, d => Assert.InRange(d, 800, 1200));
        Assert.True(delays.Distinct().Count() > 50, "different sagas get different delays");
        Assert.Equal(retry.DelayBefore(3, Saga), retry.DelayBefore(3, Saga));
    }
}
