using Microsoft.Extensions.DependencyInjection;
using Sagas.Persistence;
using Sagas.Testing;
using Sagas.Tests.Onboarding;

namespace Sagas.Tests.Outbox;

public sealed class When_a_saga_transition_fails_after_publishing
{
    [Fact]
    public async Task Neither_the_state_change_nor_the_message_is_kept()
    {
        await using var host = await SagaTestHost.StartAsync(sagas => sagas.AddOnboarding(), SagaTestHost.AddWatcher<OnboardingState>);
        var sagas = host.Watcher<OnboardingState>();
        var calls = host.Services.GetRequiredService<Calls>();
        var accountId = Guid.NewGuid();
        await host.Bus.Publish(new SignupReceived(accountId, "ada@example.com"));
        var before = await sagas.WaitAsync(accountId, s => s.CurrentState == "Completed");
        var store = host.Services.GetRequiredService<ISagaStore<OnboardingState>>();
        var versionBefore = (await store.LoadAsync(accountId, CancellationToken.None))!.Version;

        // The transition publishes SendWelcome, then throws before the commit.
        await host.Bus.Publish(new AuditRequested(accountId));
        // A later event on the same saga: once it is committed, the failed one was handled before it.
        await host.Bus.Publish(new PointsAwarded(accountId, 7));
        var after = await sagas.WaitAsync(accountId, s => s.Points == 7);

        Assert.Equal(1, calls[nameof(SendWelcome)]);
        Assert.Equal(versionBefore + 1, (await store.LoadAsync(accountId, CancellationToken.None))!.Version);
        Assert.Equal(before.History.Count, after.History.Count);
        Assert.DoesNotContain(host.Services.GetRequiredService<InMemoryMessageStore>().Undelivered, m => m.DueTime is null);
    }
}
