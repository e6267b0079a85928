using Microsoft.Extensions.Time.Testing;
using Sagas.Placement;

namespace Sagas.Tests.Placement;

public sealed class When_a_steps_load_is_measured
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 6, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Executions_in_flight_are_counted_until_they_end()
    {
        var load = new StepLoad(_time);

        var first = load.Start();
        var second = load.Start();
        Assert.Equal((2, (TimeSpan?)null), load.Now(Window));

        first.Dispose();
        second.Dispose();
        Assert.Equal(0, load.Now(Window).InFlight);
    }

    [Fact]
    public void The_latency_follows_recent_executions_and_is_forgotten_after_the_window()
    {
        var load = new StepLoad(_time);
        Run(load, TimeSpan.FromSeconds(1));
        Assert.Equal(TimeSpan.FromSeconds(1), load.Now(Window).Latency);

        Run(load, TimeSpan.FromSeconds(6)); // a fifth of the way from 1 s to 6 s
        Assert.Equal(TimeSpan.FromSeconds(2), load.Now(Window).Latency);

        _time.Advance(Window + TimeSpan.FromSeconds(1));
        Assert.Null(load.Now(Window).Latency);
    }

    private void Run(StepLoad load, TimeSpan takes)
    {
        using var execution = load.Start();
        _time.Advance(takes);
    }
}
