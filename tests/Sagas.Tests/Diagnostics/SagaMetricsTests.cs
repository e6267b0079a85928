using Sagas.Testing;
using Sagas.Tests.Onboarding;
using Sagas.Steps;

namespace Sagas.Tests.Diagnostics;

// The meter is process-wide: measure alone, not while other test classes run sagas of the same type.
[CollectionDefinition(nameof(When_a_saga_runs), DisableParallelization = true)]
public sealed class MetricsCollection;

[Collection(nameof(When_a_saga_runs))]
public sealed class When_a_saga_runs
{
    [Fact]
    public async Task Its_duration_by_outcome_and_its_step_attempts_are_measured_once_per_committed_transition()
    {
        using var measurements = new SagasMeasurements();
        await using var host = await SagaTestHost.StartAsync(sagas => sagas.AddOnboarding(), SagaTestHost.AddWatcher<OnboardingState>);
        var accountId = Guid.NewGuid();
        await host.Bus.Publish(new SignupReceived(accountId, "ada@example.com"));
        var saga = await host.Watcher<OnboardingState>().WaitAsync(accountId, s => s.CurrentState == "Completed");

        var mine = measurements.All.Where(m => Equals(m.Tags.GetValueOrDefault("saga"), nameof(OnboardingState))).ToList();
        var duration = Assert.Single(mine, m => m.Instrument == "sagas.saga.duration");
        Assert.Equal("completed", duration.Tags["outcome"]);
        Assert.Equal((saga.EndedAt!.Value - saga.StartedAt).TotalMilliseconds, duration.Value);
        var requested = saga.History.Count(h => h.Kind == StepHistoryKind.Requested);
        Assert.Equal(requested, mine.Count(m => m.Instrument == "sagas.step.attempts"));
    }
}
