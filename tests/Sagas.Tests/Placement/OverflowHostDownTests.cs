using Microsoft.Extensions.DependencyInjection;
using Sagas.Gateway;
using Sagas.Placement;
using Sagas.Steps;
using Sagas.Testing;
using Sagas.Tests.Diagnostics;
using Sagas.Tests.Onboarding;

namespace Sagas.Tests.Placement;

// SendWelcome runs in this process and overflows at one in flight to a function nobody listens for: every call to it is
// refused. The first welcome is held here, so the others overflow and fail; once the function's circuit opens (10 failed
// calls), their retries run in this process instead of waiting the function's outage out.
[Collection(nameof(When_a_saga_runs))] // counts on the process-wide meter
public sealed class When_the_overflow_hosts_circuit_is_open
{
    [Fact]
    public async Task Overflowing_commands_run_in_the_process_and_every_saga_completes()
    {
        var held = new HeldWelcomes();
        using var measurements = new SagasMeasurements();
        await using var host = await SagaTestHost.StartAsync(
            sagas => sagas.AddOnboarding().RouteSteps(r => r.Routes["com.example.onboarding.send-welcome.v1"] = new StepRoute
            {
                Http = new Uri("http://127.0.0.1:9/steps"), // the discard port: connection refused
                MaxRetries = 0,
                BreakDuration = TimeSpan.FromMinutes(5), // longer than the test clock moves while the sagas finish
                Overflow = new StepOverflow { MaxInFlight = 1 },
            }),
            services =>
            {
                services.AddSingleton<IStepHandler<SendWelcome, Done>>(held); // before AddOnboarding's
                SagaTestHost.AddWatcher<OnboardingState>(services);
            });
        var watcher = host.Watcher<OnboardingState>();
        var first = Guid.NewGuid();
        var others = Enumerable.Range(0, 11).Select(_ => Guid.NewGuid()).ToList();

        await host.Bus.Publish(new SignupReceived(first, "ada@example.com"));
        await held.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        foreach (var account in others)
        {
            await host.Bus.Publish(new SignupReceived(account, "ada@example.com"));
        }

        foreach (var account in others)
        {
            await watcher.WaitAsync(account, s => s.History.Any(h => h is { Step: "SendWelcome", Kind: StepHistoryKind.Unavailable }), TimeSpan.FromSeconds(30));
        }

        var done = new List<OnboardingState>();
        foreach (var account in others)
        {
            done.Add(await WaitWhileTimePassesAsync(host, account)); // the first welcome still held here
        }

        held.Release.TrySetResult();
        done.Insert(0, await WaitWhileTimePassesAsync(host, first));

        Assert.Equal("primary: 0 in flight", Placements(done[0]).Single());
        Assert.All(done.Skip(1), s =>
        {
            Assert.StartsWith("overflow: 1 in flight", Placements(s)[0], StringComparison.Ordinal); // refused by the function: unavailable
            Assert.Equal("primary: the overflow host's circuit is open", Placements(s)[^1]);
        });
        Assert.Equal(12, held.Runs);
        // Once its break has passed, the host is tried again: the next command that overflows goes to it.
        var gateway = host.Services.GetRequiredService<StepGateway>();
        var route = host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<StepRoutingOptions>>().Value.Routes["com.example.onboarding.send-welcome.v1"];
        Assert.True(gateway.IsCircuitOpen("com.example.onboarding.send-welcome.v1", route));
        host.Time.Advance(route.BreakDuration);
        Assert.False(gateway.IsCircuitOpen("com.example.onboarding.send-welcome.v1", route));

        var recorded = done.SelectMany(Placements).ToList();
        Assert.Equal(
            (recorded.Count(r => r!.StartsWith("primary", StringComparison.Ordinal)), recorded.Count(r => r!.StartsWith("overflow", StringComparison.Ordinal))),
            (Placed("primary"), Placed("overflow"))); // sagas.step.placements counts what the history records

        int Placed(string on) => (int)measurements.All
            .Where(m => m.Instrument == "sagas.step.placements" && Equals(m.Tags.GetValueOrDefault("step"), "SendWelcome") && Equals(m.Tags.GetValueOrDefault("host"), on))
            .Sum(m => m.Value);
    }

    private static async Task<OnboardingState> WaitWhileTimePassesAsync(SagaTestHost host, Guid account)
    {
        // The retries wait on the test clock.
        for (var round = 0; ; round++)
        {
            try
            {
                return await host.Watcher<OnboardingState>().WaitAsync(account, s => s.CurrentState == "Completed", TimeSpan.FromMilliseconds(200));
            }
            catch (TimeoutException) when (round < 150)
            {
                host.Time.Advance(TimeSpan.FromSeconds(1));
            }
        }
    }

    private static List<string?> Placements(OnboardingState state)
        => [.. state.History.Where(h => h is { Step: "SendWelcome", Kind: StepHistoryKind.Placed }).Select(h => h.Reason)];

    private sealed class HeldWelcomes : IStepHandler<SendWelcome, Done>
    {
        private int _runs;

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Runs => Volatile.Read(ref _runs);

        public async ValueTask<StepOutcome<Done>> HandleAsync(SendWelcome command, StepContext context)
        {
            if (Interlocked.Increment(ref _runs) == 1)
            {
                Entered.TrySetResult();
                await Release.Task.WaitAsync(TimeSpan.FromSeconds(60));
            }

            return StepOutcome.Success(new Done());
        }
    }
}
