using Checkout;
using Checkout.Contracts;
using Checkout.Saga;
using Checkout.Simulation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Sagas.Testing;

namespace Sagas.Marten.Tests.Harness;

/// <summary>The checkout on PostgreSQL in a generic host (so the relay and cleanup run), with a fake clock.</summary>
public sealed class MartenCheckout : IAsyncDisposable
{
    private readonly IHost _host;

    private MartenCheckout(IHost host) => _host = host;

    public IServiceProvider Services => _host.Services;

    public FakeTimeProvider Time => (FakeTimeProvider)Services.GetRequiredService<TimeProvider>();

    public SagaWatcher<CheckoutState> Sagas => Services.GetRequiredService<SagaWatcher<CheckoutState>>();

    public MassTransit.IBus Bus => Services.GetRequiredService<MassTransit.IBus>();

    public static async Task<MartenCheckout> StartAsync(string schema, FakeTimeProvider? time = null, Action<IServiceCollection>? services = null, Action<MartenSagasOptions>? options = null, Action<SagasBuilder>? sagas = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders().AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton<TimeProvider>(time ?? new FakeTimeProvider(DateTimeOffset.UtcNow));
        SagaTestHost.AddWatcher<CheckoutState>(builder.Services);
        builder.Services.AddSingleton(new CheckoutSettings
        {
            Deadline = TimeSpan.FromSeconds(30),
            Retry = new Sagas.Steps.StepRetryOptions { MaxAttempts = 3, InitialDelay = TimeSpan.FromSeconds(1), Jitter = 0 },
        });
        services?.Invoke(builder.Services);
        builder.Services.AddSagas(s =>
        {
            s.AddCheckout().UseMarten(o =>
            {
                o.ConnectionString = PostgresDatabase.ConnectionString;
                o.SchemaName = schema;
                o.RelayTakeoverDelay = TimeSpan.Zero;
                options?.Invoke(o);
            });
            sagas?.Invoke(s);
        });
        // A test handler may wait forever on its token (a provider that never answers): cancel it 2 s into a stop, not
        // after the 10 s AddSagas gives handlers.
        builder.Services.Configure<MassTransit.MassTransitHostOptions>(o => o.ConsumerStopTimeout = TimeSpan.FromSeconds(2));
        var host = builder.Build();
        // MassTransit keeps its log context in a static; point it at this host's logger factory, not the one a
        // previous host in this test process disposed.
        MassTransit.LogContext.ConfigureCurrentLogContext(host.Services.GetRequiredService<ILoggerFactory>());
        await host.StartAsync();
        return new MartenCheckout(host);
    }

    /// <summary>Places a happy-path order and waits until its saga completed.</summary>
    public async Task<OrderSubmitted> CompletedOrderAsync()
    {
        var order = OrderScenarios.Create(Scenario.Happy, 1);
        await Bus.Publish(order);
        await Sagas.WaitAsync(order.OrderId, s => s.CurrentState == "Completed", TimeSpan.FromSeconds(30));
        return order;
    }

    /// <summary>
    /// Lets simulated time pass, a second at a time (the relay's timers and due messages fire as they would),
    /// until the saga reaches the expected state or <paramref name="limit"/> of simulated time has passed.
    /// </summary>
    public async Task<CheckoutState> AdvanceUntilAsync(Guid sagaId, Func<CheckoutState, bool> predicate, TimeSpan limit)
    {
        for (var elapsed = TimeSpan.Zero; elapsed <= limit; elapsed += TimeSpan.FromSeconds(1))
        {
            try
            {
                return await Sagas.WaitAsync(sagaId, predicate, TimeSpan.FromMilliseconds(250));
            }
            catch (TimeoutException)
            {
                Time.Advance(TimeSpan.FromSeconds(1));
            }
        }

        return await Sagas.WaitAsync(sagaId, predicate, TimeSpan.FromSeconds(5));
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
