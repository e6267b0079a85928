using Checkout;
using Checkout.Saga;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sagas.Testing;

namespace Sagas.RabbitMq.Tests.Harness;

/// <summary>The checkout over RabbitMQ in a generic host, on the real clock.</summary>
public sealed class RabbitCheckout : IAsyncDisposable
{
    /// <summary>Every queue the checkout declares.</summary>
    public static readonly string[] Queues =
    [
        "checkout-state", "reserve-inventory", "release-inventory", "charge-payment", "refund-payment",
        "confirm-order", "generate-invoice", "send-confirmation", "update-crm",
    ];

    private readonly IHost _host;

    private RabbitCheckout(IHost host) => _host = host;

    public IServiceProvider Services => _host.Services;

    public SagaWatcher<CheckoutState> Sagas => Services.GetRequiredService<SagaWatcher<CheckoutState>>();

    public MassTransit.IBus Bus => Services.GetRequiredService<MassTransit.IBus>();

    public static async Task<RabbitCheckout> StartAsync(
        Uri broker,
        Action<SagasBuilder>? configure = null,
        Action<RabbitMqSagasOptions>? options = null,
        Action<IServiceCollection>? services = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders().AddSimpleConsole().SetMinimumLevel(LogLevel.Error);
        services?.Invoke(builder.Services); // before the checkout's own registrations, which it may take the place of
        SagaTestHost.AddWatcher<CheckoutState>(builder.Services);
        builder.Services.AddSingleton(new CheckoutSettings
        {
            // Longer than MassTransit can take to reconnect after an outage (up to ~30 s seen here, under load), so a
            // slow resume is not mistaken for a lost reply.
            Deadline = TimeSpan.FromMinutes(2),
            Retry = new Sagas.Steps.StepRetryOptions { MaxAttempts = 4, InitialDelay = TimeSpan.FromMilliseconds(50), Jitter = 0 },
        });
        builder.Services.AddSagas(sagas =>
        {
            sagas.AddCheckout().UseRabbitMq(o =>
            {
                o.ConnectionString = broker.ToString();
                options?.Invoke(o);
            });
            configure?.Invoke(sagas);
        });
        // Tests start and stop hosts quickly: a bus still connecting when its host is disposed would keep consuming
        // from the shared queues with a disposed container, so start and stop only once the bus has.
        builder.Services.Configure<MassTransit.MassTransitHostOptions>(o =>
        {
            o.WaitUntilStarted = true;
            o.StartTimeout = TimeSpan.FromSeconds(30);
            o.StopTimeout = TimeSpan.FromSeconds(30);
        });
        var host = builder.Build();
        MassTransit.LogContext.ConfigureCurrentLogContext(host.Services.GetRequiredService<ILoggerFactory>());
        await host.StartAsync();
        return new RabbitCheckout(host);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
