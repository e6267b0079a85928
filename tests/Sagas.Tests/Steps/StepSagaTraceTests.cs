using System.Diagnostics;
using Sagas.Testing;
using Sagas.Tests.Onboarding;

namespace Sagas.Tests.Steps;

public sealed class When_a_saga_is_started_by_a_traced_event
{
    [Fact]
    public async Task The_saga_keeps_the_trace_id_it_runs_in()
    {
        await using var host = await SagaTestHost.StartAsync(sagas => sagas.AddOnboarding(), SagaTestHost.AddWatcher<OnboardingState>);
        var accountId = Guid.NewGuid();
        using var producer = new Activity("signup form posted").SetIdFormat(ActivityIdFormat.W3C).Start();
        await host.Bus.Publish(new SignupReceived(accountId, "ada@example.com"));
        producer.Stop();

        var saga = await host.Watcher<OnboardingState>().WaitAsync(accountId, s => s.CurrentState == "Completed");

        Assert.Equal(producer.TraceId.ToHexString(), saga.TraceId);
    }

    [Fact]
    public async Task An_untraced_start_keeps_no_trace_id()
    {
        await using var host = await SagaTestHost.StartAsync(sagas => sagas.AddOnboarding(), SagaTestHost.AddWatcher<OnboardingState>);
        var accountId = Guid.NewGuid();
        Activity.Current = null;
        await host.SendRawAsync("onboarding-state", host.ToCloudEventJson(new SignupReceived(accountId, "bo@example.com"), "signup-untraced", subject: accountId));

        var saga = await host.Watcher<OnboardingState>().WaitAsync(accountId, s => s.CurrentState == "Completed");

        Assert.Null(saga.TraceId);
    }
}
