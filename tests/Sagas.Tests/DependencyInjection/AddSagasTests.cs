using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Sagas.Steps;
using Sagas.Testing;
using Sagas.Tests.Onboarding;

namespace Sagas.Tests.DependencyInjection;

public sealed class AddSagasTests
{
    [Fact]
    public void A_second_call_is_refused_with_a_clear_message()
    {
        var services = new ServiceCollection();
        services.AddSagas(sagas => sagas.AddOnboarding());

        var error = Assert.Throws<InvalidOperationException>(() => services.AddSagas(sagas => sagas.AddOnboarding()));

        Assert.Contains("already called", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_outbox_forgets_its_send_endpoints_when_the_bus_stops_or_starts()
    {
        var services = new ServiceCollection();
        services.AddSagas(sagas => sagas.AddOnboarding());

        Assert.Contains(services, d => d.ServiceType == typeof(IBusObserver) && d.ImplementationType == typeof(Sagas.Outbox.DestinationEndpointsReset));
    }

    [Fact]
    public void Invalid_options_fail_at_start_naming_the_setting()
    {
        var services = new ServiceCollection();
        services.AddSagas(sagas => sagas.AddOnboarding().Configure(o => o.InboxRetention = TimeSpan.Zero));
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<SagasOptions>>().Value);

        Assert.Equal(["SagasOptions.InboxRetention must be positive, got 00:00:00."], error.Failures);
    }

    [Fact]
    public void Every_wrong_setting_is_named_at_once()
    {
        var services = new ServiceCollection();
        services.AddSagas(sagas => sagas.AddOnboarding().Configure(o =>
        {
            o.ConcurrentMessageLimit = 0;
            o.SweepInterval = TimeSpan.Zero;
            o.SweepBatchSize = 0;
        }));
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<SagasOptions>>().Value);

        Assert.Equal(
            [
                "SagasOptions.ConcurrentMessageLimit must be at least 1, got 0.",
                "SagasOptions.SweepInterval must be positive, got 00:00:00.",
                "SagasOptions.SweepBatchSize must be at least 1, got 0.",
            ],
            error.Failures);
    }

    [Fact]
    public void Options_bind_from_configuration()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sagas:Source"] = "/shop/worker",
            ["Sagas:ConcurrentMessageLimit"] = "8",
            ["Sagas:InboxRetention"] = "2.00:00:00",
        }).Build();
        var services = new ServiceCollection();
        services.AddSagas(sagas => sagas.AddOnboarding());
        services.Configure<SagasOptions>(configuration.GetSection("Sagas"));
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<SagasOptions>>().Value;

        Assert.Equal(new Uri("/shop/worker", UriKind.Relative), options.Source);
        Assert.Equal(8, options.ConcurrentMessageLimit);
        Assert.Equal(TimeSpan.FromDays(2), options.InboxRetention);
    }

    [Fact]
    public void A_wrong_route_is_named_with_each_wrong_setting()
    {
        var services = new ServiceCollection();
        services.AddSagas(sagas => sagas.AddOnboarding().RouteSteps(r => r.Routes["com.example.reserve.v1"] = new Sagas.Gateway.StepRoute
        {
            Http = new Uri("/reserve", UriKind.Relative),
            MaxRetries = -1,
        }));
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<Sagas.Gateway.StepRoutingOptions>>().Value);

        Assert.Equal(
            [
                "StepRoutingOptions.Routes[\"com.example.reserve.v1\"].Http must be an absolute URI, got '/reserve'.",
                "StepRoutingOptions.Routes[\"com.example.reserve.v1\"].MaxRetries must not be negative, got -1.",
            ],
            error.Failures);
    }

    [Fact]
    public void A_wrong_overflow_is_named_with_each_wrong_setting()
    {
        var services = new ServiceCollection();
        services.AddSagas(sagas => sagas.AddOnboarding().RouteSteps(r =>
        {
            r.Routes["com.example.reserve.v1"] = new Sagas.Gateway.StepRoute { Http = new Uri("http://fn/steps"), Overflow = new Sagas.Placement.StepOverflow() };
            r.Routes["com.example.charge.v1"] = new Sagas.Gateway.StepRoute
            {
                Http = new Uri("http://fn/steps"),
                Overflow = new Sagas.Placement.StepOverflow { MaxInFlight = 0, MaxQueueDepth = 0, LatencyTarget = TimeSpan.Zero, QueueWaitTarget = TimeSpan.FromSeconds(-1), ResumeBelow = 1.5, LatencyWindow = TimeSpan.Zero },
            };
        }));
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<Sagas.Gateway.StepRoutingOptions>>().Value);

        Assert.Equal(
            [
                "StepRoutingOptions.Routes[\"com.example.reserve.v1\"].Overflow needs MaxInFlight, LatencyTarget, QueueWaitTarget or MaxQueueDepth: what makes the step overflow.",
                "StepRoutingOptions.Routes[\"com.example.charge.v1\"].Overflow.MaxQueueDepth must be at least 1, got 0.",
                "StepRoutingOptions.Routes[\"com.example.charge.v1\"].Overflow.QueueWaitTarget must be positive, got -00:00:01.",
                "StepRoutingOptions.Routes[\"com.example.charge.v1\"].Overflow.MaxInFlight must be at least 1, got 0.",
                "StepRoutingOptions.Routes[\"com.example.charge.v1\"].Overflow.LatencyTarget must be positive, got 00:00:00.",
                "StepRoutingOptions.Routes[\"com.example.charge.v1\"].Overflow.ResumeBelow must be in (0, 1], got 1.5.",
                "StepRoutingOptions.Routes[\"com.example.charge.v1\"].Overflow.LatencyWindow must be positive, got 00:00:00.",
                "StepRoutingOptions.Routes[\"com.example.charge.v1\"].Overflow.MaxQueueDepth needs a transport that reads its queues' depth (UseRabbitMq); this one cannot: use MaxInFlight, LatencyTarget or QueueWaitTarget.",
            ],
            error.Failures);
    }

    [Fact]
    public void A_queue_depth_to_overflow_at_is_refused_on_a_transport_that_cannot_read_it()
    {
        var services = new ServiceCollection();
        services.AddSagas(sagas => sagas.AddOnboarding().RouteSteps(r => r.Routes["com.example.onboarding.send-welcome.v1"] = new Sagas.Gateway.StepRoute
        {
            Http = new Uri("http://fn/steps"),
            Overflow = new Sagas.Placement.StepOverflow { MaxQueueDepth = 100 },
        }));
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<Sagas.Gateway.StepRoutingOptions>>().Value);

        Assert.Equal(
            ["StepRoutingOptions.Routes[\"com.example.onboarding.send-welcome.v1\"].Overflow.MaxQueueDepth needs a transport that reads its queues' depth (UseRabbitMq); this one cannot: use MaxInFlight, LatencyTarget or QueueWaitTarget."],
            error.Failures);
    }

    [Fact]
    public void A_wrong_alternate_host_is_named_by_its_place_in_the_route()
    {
        var services = new ServiceCollection();
        services.AddSagas(sagas => sagas.AddOnboarding().RouteSteps(r => r.Routes["com.example.reserve.v1"] = new Sagas.Gateway.StepRoute
        {
            Http = new Uri("http://fn/steps"),
            Alternates =
            {
                new Sagas.Gateway.StepRoute { Channel = "reserve", MaxPayloadBytes = 0 },
                new Sagas.Gateway.StepRoute { Http = new Uri("http://big-fn/steps"), Overflow = new Sagas.Placement.StepOverflow { MaxInFlight = 2 } },
            },
        }));
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<Sagas.Gateway.StepRoutingOptions>>().Value);

        Assert.Equal(
            [
                "StepRoutingOptions.Routes[\"com.example.reserve.v1\"].Alternates[0].MaxPayloadBytes must be positive, got 0.",
                "StepRoutingOptions.Routes[\"com.example.reserve.v1\"].Alternates[1] cannot have its own Overflow or Alternates: they belong to the route.",
            ],
            error.Failures);
    }

    [Fact]
    public void Alternate_hosts_bind_from_configuration()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Routes:com.example.reserve.v1:Http"] = "http://fn/steps",
            ["Routes:com.example.reserve.v1:MaxPayloadBytes"] = "1048576",
            ["Routes:com.example.reserve.v1:Alternates:0:Channel"] = "reserve",
        }).Build();
        var services = new ServiceCollection();
        services.AddSagas(sagas => sagas.AddOnboarding());
        services.Configure<Sagas.Gateway.StepRoutingOptions>(configuration);
        using var provider = services.BuildServiceProvider();

        var route = provider.GetRequiredService<IOptions<Sagas.Gateway.StepRoutingOptions>>().Value.Routes["com.example.reserve.v1"];

        Assert.Equal("reserve", Assert.Single(route.Alternates).Channel);
    }

    [Fact]
    public void Registering_a_contract_without_the_attribute_names_the_fix()
    {
        var services = new ServiceCollection();

        var error = Assert.Throws<InvalidOperationException>(() => services.AddSagas(sagas => sagas.AddContracts(c => c.Add<OnboardingState>())));

        Assert.Contains("[CloudEventContract(", error.Message, StringComparison.Ordinal);
    }
}

public sealed class When_the_bus_stops
{
    [Fact]
    public void It_may_take_25_seconds_and_cancels_running_handlers_after_10()
    {
        var options = StopOptions(_ => { });

        Assert.Equal(TimeSpan.FromSeconds(25), options.StopTimeout);
        Assert.Equal(TimeSpan.FromSeconds(10), options.ConsumerStopTimeout);
    }

    [Fact]
    public void What_the_application_set_is_kept_and_handlers_are_never_given_longer_than_the_stop()
    {
        var options = StopOptions(o => o.StopTimeout = TimeSpan.FromSeconds(4));

        Assert.Equal(TimeSpan.FromSeconds(4), options.StopTimeout);
        Assert.Equal(TimeSpan.FromSeconds(4), options.ConsumerStopTimeout);
    }

    [Fact]
    public void Handlers_given_longer_by_the_application_make_the_stop_as_long()
    {
        var options = StopOptions(o => o.ConsumerStopTimeout = TimeSpan.FromSeconds(40)); // MassTransit refuses a stop shorter than the handlers' time

        Assert.Equal(TimeSpan.FromSeconds(40), options.StopTimeout);
        Assert.Equal(TimeSpan.FromSeconds(40), options.ConsumerStopTimeout);
    }

    [Fact]
    public async Task A_handler_waiting_on_its_token_is_cancelled_and_the_stop_completes()
    {
        var provider = new SilentProvider();
        var host = await SagaTestHost.StartAsync(
            sagas => sagas.AddOnboarding(),
            services => services.AddSingleton(provider).AddScoped<IStepHandler<CreateAccount, Done>, SilentAccounts>());
        await host.Bus.Publish(new SignupReceived(Guid.NewGuid(), "ann@new.example"));
        await provider.Called.Task.WaitAsync(TimeSpan.FromSeconds(30));

        // Stops the bus, which gives up after 30 s: MassTransit alone would wait for the handler until then.
        await host.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(20));

        Assert.True(provider.Cancelled.Task.IsCompletedSuccessfully);
    }

    /// <summary>MassTransit's host options as an application gets them: its own settings first, then AddSagas.</summary>
    private static MassTransitHostOptions StopOptions(Action<MassTransitHostOptions> application)
    {
        var services = new ServiceCollection();
        services.Configure(application);
        services.AddSagas(sagas => sagas.AddOnboarding());
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<MassTransitHostOptions>>().Value;
    }

    private sealed class SilentProvider
    {
        public TaskCompletionSource Called { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Cancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>An account service that never answers, but honours its token.</summary>
    private sealed class SilentAccounts(SilentProvider provider) : IStepHandler<CreateAccount, Done>
    {
        public async ValueTask<StepOutcome<Done>> HandleAsync(CreateAccount command, StepContext context)
        {
            provider.Called.TrySetResult();
            try
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, context.CancellationToken);
            }
            catch (OperationCanceledException)
            {
                provider.Cancelled.TrySetResult();
                throw;
            }

            throw new InvalidOperationException("unreachable");
        }
    }
}
