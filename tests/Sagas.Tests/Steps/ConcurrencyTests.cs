using Sagas.Testing;
using Sagas.Tests.Onboarding;

namespace Sagas.Tests.Steps;

public sealed class When_fifty_events_race_for_one_saga
{
    [Fact]
    public async Task The_final_state_reflects_every_one_of_them()
    {
        await using var host = await SagaTestHost.StartAsync(sagas => sagas.AddOnboarding(), SagaTestHost.AddWatcher<OnboardingState>);
        var accountId = Guid.NewGuid();
        await host.Bus.Publish(new SignupReceived(accountId, "ada@example.com"));
        await host.Watcher<OnboardingState>().WaitAsync(accountId, s => s.CurrentState == "Completed");

        await Task.WhenAll(Enumerable.Range(1, 50).Select(i => host.Bus.Publish(new PointsAwarded(accountId, i))));
        var state = await host.Watcher<OnboardingState>().WaitAsync(accountId, s => s.Points == 50 * 51 / 2);

        Assert.Equal(1275, state.Points);
        Assert.Equal("Completed", state.CurrentState);
    }
}
