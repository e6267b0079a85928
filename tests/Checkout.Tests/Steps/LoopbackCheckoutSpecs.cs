using Checkout.Saga;
using Checkout.Simulation;
using Checkout.Steps;
using Checkout.Steps.Effects;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sagas.Persistence;

namespace Checkout.Tests.Steps;

public sealed class When_the_checkout_runs_its_retriable_steps_on_the_loopback_function_host : IDisposable
{
    private readonly TempFolder _folder = new();

    [Fact]
    public async Task Every_order_reaches_its_terminal_state_and_every_effect_happens_once()
    {
        var effects = new EffectLog();
        await using var functions = await LoopbackStepFunctions.StartAsync(effects, configure: o =>
        {
            o.OutputDirectory = Path.Combine(_folder.Path, "invoices");
            o.PickupDirectory = Path.Combine(_folder.Path, "mail");
        });
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(effects);
        builder.Services.AddSingleton<OrderTracker>();
        builder.Services.AddSingleton<ISagaCommitObserver<CheckoutState>>(sp => sp.GetRequiredService<OrderTracker>());
        builder.Services.AddSagas(sagas => sagas.AddCheckout().RouteCheckoutStepsTo(functions.Endpoint));
        using var host = builder.Build();
        await host.StartAsync();
        var orders = OrderScenarios.CreateMix(24); // the first six take each scenario once
        var tracker = host.Services.GetRequiredService<OrderTracker>();

        var (summary, mismatches) = await CheckoutRun.ExecuteAsync(host.Services.GetRequiredService<IBus>(), tracker, orders, inFlight: 8, TimeSpan.FromSeconds(90));
        await host.StopAsync();

        Assert.Empty(mismatches);
        Assert.Empty(EffectAudit.Check(effects, orders, tracker.Results));
        var flaky = orders.First(o => OrderScenarios.ScenarioOf(o) == Scenario.FlakyCrm);
        Assert.Equal("Completed", tracker.Results[flaky.OrderId].State);
        Assert.Contains(StepEffectNames.CrmUpdated, effects.For(flaky.OrderId));
        var down = orders.First(o => OrderScenarios.ScenarioOf(o) == Scenario.CrmDown);
        Assert.Equal("Faulted", tracker.Results[down.OrderId].State);
        Assert.StartsWith("UpdateCrm failed after 4 attempt(s): HttpRequestException: CRM answered 503 Service Unavailable", tracker.Results[down.OrderId].Reason, StringComparison.Ordinal);

        // The files are the effects: one PDF per invoice, one message per confirmation, nothing half-written.
        int Count(string effect) => orders.Sum(o => effects.For(o.OrderId).Count(e => e == effect));
        Assert.Equal(Count(StepEffectNames.InvoiceGenerated), Directory.GetFiles(Path.Combine(_folder.Path, "invoices"), "*.pdf").Length);
        Assert.Equal(Count(StepEffectNames.ConfirmationSent), Directory.GetFiles(Path.Combine(_folder.Path, "mail"), "*.eml").Length);
        Assert.Empty(Directory.GetFiles(_folder.Path, "*.tmp", SearchOption.AllDirectories));
        Assert.Equal(summary.Completed, Count(StepEffectNames.CrmUpdated));
    }

    public void Dispose() => _folder.Dispose();
}
