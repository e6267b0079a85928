using System.Collections.Concurrent;
using System.Diagnostics;
using Sagas.Diagnostics;
using Sagas.Testing;
using Sagas.Tests.Onboarding;

namespace Sagas.Tests.Diagnostics;

public sealed class When_an_event_is_handled_while_something_listens
{
    [Fact]
    public async Task Its_process_span_continues_the_trace_the_event_carries_and_names_its_type_and_id()
    {
        using var caller = new ActivitySource("Sagas.Tests.Tracing");
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is SagasDiagnostics.Name or "Sagas.Tests.Tracing",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        await using var host = await SagaTestHost.StartAsync(sagas => sagas.AddOnboarding(), SagaTestHost.AddWatcher<OnboardingState>);
        var accountId = Guid.NewGuid();

        ActivityTraceId trace;
        using (var request = caller.StartActivity("request"))
        {
            trace = request!.TraceId;
            await host.Bus.Publish(new SignupReceived(accountId, "ada@example.com"));
        }

        await host.Watcher<OnboardingState>().WaitAsync(accountId, s => s.CurrentState == "Completed");
        var processed = spans.Where(s => s.Source.Name == SagasDiagnostics.Name && s.TraceId == trace && s.DisplayName.StartsWith("process ", StringComparison.Ordinal)).ToList();
        var signup = Assert.Single(processed, s => Equals(s.GetTagItem("cloudevents.event_type"), "com.example.onboarding.signup-received.v1"));
        Assert.Equal(ActivityKind.Consumer, signup.Kind);
        Assert.NotNull(signup.GetTagItem("cloudevents.event_id"));
        Assert.Equal(signup.GetTagItem("cloudevents.event_id"), signup.GetTagItem("messaging.message.id"));
    }
}
