using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Sagas.Contracts;
using Sagas.Gateway;
using Sagas.Placement;
using Sagas.Steps;
using Sagas.Testing;
using Sagas.Tests.Onboarding;

namespace Sagas.Tests.Placement;

public sealed class When_a_steps_hosts_are_checked_against_its_limits
{
    private const string Render = "com.example.reports.render.v1";

    [Fact]
    public void A_step_longer_or_larger_than_its_route_holds_is_named_with_the_limit()
    {
        var routing = Routing(new StepRoute { Http = new Uri("http://fn/steps"), MaxDuration = TimeSpan.FromMinutes(15), MaxPayloadBytes = 262_144 });
        var step = new PlannedStep("Render", new StepOptions { Deadline = TimeSpan.FromMinutes(30), MaxDuration = TimeSpan.FromMinutes(20), MaxPayloadBytes = 300_000 }, [Render]);

        Assert.Equal(
            [
                "Step 'Render' of ReportSaga may run 00:20:00 (MaxDuration), but its route com.example.reports.render.v1 holds a call for at most 00:15:00 (StepRoute.MaxDuration).",
                "Step 'Render' of ReportSaga sends commands of up to 300000 bytes (MaxPayloadBytes), but its route com.example.reports.render.v1 takes at most 262144 (StepRoute.MaxPayloadBytes).",
            ],
            StepLimits.Problems("ReportSaga", [step], routing));
    }

    [Fact]
    public void Every_alternate_host_must_hold_the_steps_duration_and_one_host_its_commands()
    {
        var route = new StepRoute
        {
            Http = new Uri("http://fn/steps"),
            MaxPayloadBytes = 6_000_000,
            Alternates = { new StepRoute { Channel = "render", MaxDuration = TimeSpan.FromMinutes(15), MaxPayloadBytes = 262_144 } },
        };
        var step = new PlannedStep("Render", new StepOptions { Deadline = TimeSpan.FromMinutes(30), MaxDuration = TimeSpan.FromMinutes(20), MaxPayloadBytes = 7_000_000 }, [Render]);

        Assert.Equal(
            [
                "Step 'Render' of ReportSaga may run 00:20:00 (MaxDuration), but its route com.example.reports.render.v1's alternate channel 'render' holds a call for at most 00:15:00 (StepRoute.MaxDuration).",
                "Step 'Render' of ReportSaga sends commands of up to 7000000 bytes (MaxPayloadBytes), but no host of its route com.example.reports.render.v1 takes more than 6000000 (StepRoute.MaxPayloadBytes).",
            ],
            StepLimits.Problems("ReportSaga", [step], Routing(route)));
    }

    [Fact]
    public void A_step_larger_than_its_function_takes_passes_when_an_alternate_host_takes_it()
    {
        var route = new StepRoute { Http = new Uri("http://fn/steps"), MaxPayloadBytes = 262_144, Alternates = { new StepRoute { Channel = "render" } } };
        var step = new PlannedStep("Render", new StepOptions { MaxPayloadBytes = 300_000 }, [Render]);

        Assert.Empty(StepLimits.Problems("ReportSaga", [step], Routing(route)));
    }

    [Fact]
    public void A_deadline_shorter_than_the_steps_duration_is_named_wherever_it_runs()
    {
        var step = new PlannedStep("Render", new StepOptions { Deadline = TimeSpan.FromSeconds(30), MaxDuration = TimeSpan.FromMinutes(2) }, [Render]);

        Assert.Equal(
            ["Step 'Render' of ReportSaga may run 00:02:00 (MaxDuration), longer than its Deadline 00:00:30: every long attempt would be asked again while it still runs."],
            StepLimits.Problems("ReportSaga", [step], new StepRoutingOptions()));
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData(10, null)]
    [InlineData(null, 15)]
    public void A_step_within_its_limits_or_without_declared_ones_passes(int? stepMinutes, int? hostMinutes)
    {
        var routing = Routing(new StepRoute { Http = new Uri("http://fn/steps"), MaxDuration = hostMinutes is { } h ? TimeSpan.FromMinutes(h) : null });
        var step = new PlannedStep("Render", new StepOptions { Deadline = TimeSpan.FromHours(1), MaxDuration = stepMinutes is { } m ? TimeSpan.FromMinutes(m) : null }, [Render]);

        Assert.Empty(StepLimits.Problems("ReportSaga", [step], routing));
    }

    [Fact]
    public void An_application_whose_route_cannot_hold_a_step_fails_at_start_naming_them()
    {
        var services = new ServiceCollection();
        services.AddSagas(sagas => sagas
            .AddContracts(c => c.Add<ReportRequested>().Add<RenderReport>())
            .AddSaga<ReportSaga, ReportState>()
            .RouteSteps(r => r.Routes["com.example.reports.render-report.v1"] = new StepRoute { Http = new Uri("http://fn/steps"), MaxDuration = TimeSpan.FromMinutes(15) }));
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<StepRoutingOptions>>().Value);

        Assert.Contains("Step 'Render' of ReportSaga may run 00:20:00 (MaxDuration), but its route com.example.reports.render-report.v1 holds a call for at most 00:15:00 (StepRoute.MaxDuration).", error.Failures);
    }

    [Fact]
    public async Task A_command_over_its_only_hosts_payload_limit_fails_for_good_naming_the_limit()
    {
        await using var host = await SagaTestHost.StartAsync(
            sagas => sagas.AddOnboarding().RouteSteps(r => r.Routes["com.example.onboarding.create-account.v1"] = new StepRoute { Http = new Uri("http://127.0.0.1:9/steps"), MaxPayloadBytes = 64 }),
            SagaTestHost.AddWatcher<OnboardingState>);
        var accountId = Guid.NewGuid();

        await host.Bus.Publish(new SignupReceived(accountId, "ada@example.com"));
        var rejected = await host.Watcher<OnboardingState>().WaitAsync(accountId, s => s.CurrentState == "Rejected");

        Assert.Contains("bytes are over com.example.onboarding.create-account.v1's route's MaxPayloadBytes 64", rejected.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_command_no_host_of_its_route_takes_fails_for_good_naming_each_host()
    {
        await using var host = await SagaTestHost.StartAsync(
            sagas => sagas.AddOnboarding().RouteSteps(r => r.Routes["com.example.onboarding.create-account.v1"] = new StepRoute
            {
                Http = new Uri("http://127.0.0.1:9/steps"),
                MaxPayloadBytes = 64,
                Alternates = { new StepRoute { Channel = "accounts", MaxPayloadBytes = 128 } },
            }),
            SagaTestHost.AddWatcher<OnboardingState>);
        var accountId = Guid.NewGuid();

        await host.Bus.Publish(new SignupReceived(accountId, "ada@example.com"));
        var rejected = await host.Watcher<OnboardingState>().WaitAsync(accountId, s => s.CurrentState == "Rejected");

        Assert.Matches(
            "no host of com.example.onboarding.create-account.v1's route takes the command: the command's [0-9]+ bytes are over http://127.0.0.1:9/steps's 64; the command's [0-9]+ bytes are over channel 'accounts''s 128",
            rejected.Reason);
    }

    [Fact]
    public async Task A_command_over_its_functions_limit_goes_to_the_alternate_that_takes_it_with_the_reason_for_the_history()
    {
        var channel = new RecordingChannel("accounts");
        await using var host = await SagaTestHost.StartAsync(
            sagas => sagas.AddOnboarding().RouteSteps(r => r.Routes["com.example.onboarding.create-account.v1"] = new StepRoute
            {
                Http = new Uri("http://127.0.0.1:9/steps"),
                MaxPayloadBytes = 64,
                Alternates = { new StepRoute { Channel = "accounts" } },
            }),
            services => services.AddSingleton<IStepChannel>(channel));

        await host.Bus.Publish(new SignupReceived(Guid.NewGuid(), "ada@example.com"));
        var command = await channel.Sent.Task.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("com.example.onboarding.create-account.v1", command.Type);
        Assert.Matches(
            "^alternate channel 'accounts': the command's [0-9]+ bytes are over http://127.0.0.1:9/steps's 64$",
            (string?)command[Sagas.CloudEvents.SagaAttributes.Placement.Name]); // the function's reply brings it back for the saga's history
    }

    [Fact]
    public async Task A_command_over_its_only_queue_channels_limit_still_goes_to_the_channel_which_checks_it_in()
    {
        var channel = new RecordingChannel("accounts");
        await using var host = await SagaTestHost.StartAsync(
            sagas => sagas.AddOnboarding().RouteSteps(r => r.Routes["com.example.onboarding.create-account.v1"] = new StepRoute { Channel = "accounts", MaxPayloadBytes = 64 }),
            services => services.AddSingleton<IStepChannel>(channel));

        await host.Bus.Publish(new SignupReceived(Guid.NewGuid(), "ada@example.com"));
        var command = await channel.Sent.Task.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("com.example.onboarding.create-account.v1", command.Type);
        Assert.Null(command[Sagas.CloudEvents.SagaAttributes.Placement.Name]); // its only host: no placement to record
    }

    private sealed class RecordingChannel(string name) : IStepChannel
    {
        public string Name => name;

        public TaskCompletionSource<CloudNative.CloudEvents.CloudEvent> Sent { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task SendAsync(CloudNative.CloudEvents.CloudEvent command, CancellationToken cancellationToken)
        {
            Sent.TrySetResult(command);
            return Task.CompletedTask;
        }
    }

    private static StepRoutingOptions Routing(StepRoute route)
    {
        var routing = new StepRoutingOptions();
        routing.Routes[Render] = route;
        return routing;
    }

    [CloudEventContract("com.example.reports.report-requested", 1)]
    public sealed record ReportRequested(Guid ReportId);

    [CloudEventContract("com.example.reports.render-report", 1)]
    public sealed record RenderReport(Guid ReportId);

    public sealed class ReportState : StepSagaState;

    public sealed class ReportSaga : StepSagaStateMachine<ReportState>
    {
        public ReportSaga()
        {
            Event(() => Requested, e => e.CorrelateById(m => m.Message.ReportId));
            Steps(plan => plan.Retriable<RenderReport, Done>("Render", s => new RenderReport(s.CorrelationId), configure: o =>
            {
                o.MaxDuration = TimeSpan.FromMinutes(20);
                o.Deadline = TimeSpan.FromMinutes(30);
            }));
            Initially(When(Requested).ThenAsync(BeginStepsAsync));
        }

        public Event<ReportRequested> Requested { get; private set; } = null!;
    }
}
