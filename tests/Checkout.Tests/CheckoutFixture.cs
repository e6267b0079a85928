using Checkout;
using Checkout.Contracts;
using Checkout.Saga;
using Checkout.Simulation;
using Microsoft.Extensions.DependencyInjection;
using Sagas.Steps;
using Sagas.Testing;

namespace Checkout.Tests;

/// <summary>Starts the checkout on the in-memory bus with a fake clock; one instance per test.</summary>
public sealed class CheckoutFixture : IAsyncDisposable
{
    private CheckoutFixture(SagaTestHost host) => Host = host;

    public SagaTestHost Host { get; }

    public SagaWatcher<CheckoutState> Sagas => Host.Watcher<CheckoutState>();

    public EffectLog Effects => Host.Services.GetRequiredService<EffectLog>();

    public CheckoutSettings Settings => Host.Services.GetRequiredService<CheckoutSettings>();

    /// <summary>Starts the checkout; <paramref name="services"/> may replace step handlers before the defaults are added.</summary>
    public static async Task<CheckoutFixture> StartAsync(Action<IServiceCollection>? services = null)
        => new(await SagaTestHost.StartAsync(
            sagas => sagas.AddCheckout(),
            s =>
            {
                SagaTestHost.AddWatcher<CheckoutState>(s);
                s.AddSingleton(new CheckoutSettings
                {
                    Deadline = TimeSpan.FromSeconds(30),
                    Retry = new StepRetryOptions { MaxAttempts = 3, InitialDelay = TimeSpan.FromSeconds(1), Jitter = 0 },
                    CompensationRetry = new StepRetryOptions { MaxAttempts = int.MaxValue, InitialDelay = TimeSpan.FromSeconds(1), Jitter = 0 },
                });
                services?.Invoke(s);
            }));

    public async Task<OrderSubmitted> SubmitAsync(Scenario scenario)
    {
        var order = OrderScenarios.Create(scenario, 1);
        await Host.Bus.Publish(order);
        return order;
    }

    public Task<CheckoutState> WaitForStateAsync(Guid orderId, string state)
        => Sagas.WaitAsync(orderId, s => s.CurrentState == state);

    public Task<CheckoutState> WaitForStepAsync(Guid orderId, string step, StepStatus status)
        => Sagas.WaitAsync(orderId, s => s.Steps.Any(p => p.Name == step && p.Status == status));

    public ValueTask DisposeAsync() => Host.DisposeAsync();
}
