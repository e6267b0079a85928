using System.Diagnostics;
using Checkout.Simulation;
using Checkout.Steps;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Trace;
using Sagas.Diagnostics;
using Sagas.Functions.Diagnostics;
using Sagas.Outbox;
using Sagas.RabbitMq.Tests.Harness;
using Sagas.Testing;

namespace Sagas.RabbitMq.Tests.Diagnostics;

public sealed class TracingTests
{
    [Fact]
    public async Task One_order_is_one_trace_from_the_API_through_outbox_broker_saga_steps_and_functions_and_back()
    {
        await Broker.PurgeQueuesAsync(RabbitCheckout.Queues);
        var schema = await PostgresDatabase.FreshSchemaAsync(nameof(TracingTests));
        var spans = new List<Activity>();
        using var tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource("Checkout.Api", SagasDiagnostics.Name, StepFunctionDiagnostics.Name)
            .AddInMemoryExporter(spans)
            .Build();
        await using var functions = await LoopbackStepFunctions.StartAsync(new EffectLog());
        await using var app = await RabbitCheckout.StartAsync(Broker.Address, sagas => sagas
            .RouteCheckoutStepsTo(functions.Endpoint)
            .UseMarten(o =>
            {
                o.ConnectionString = PostgresDatabase.ConnectionString;
                o.SchemaName = schema;
            }));
        var order = OrderScenarios.CreateMix(20).First(o => OrderScenarios.ScenarioOf(o) == Scenario.Happy);

        // What the API does for POST /orders: publish through the outbox inside the request's span.
        using var api = new ActivitySource("Checkout.Api");
        ActivityTraceId trace;
        using (var request = api.StartActivity("POST /orders", ActivityKind.Server)!)
        {
            trace = request.TraceId;
            await app.Services.GetRequiredService<IOutboxPublisher>().PublishAsync(order, order.OrderId.ToString());
        }

        await app.Sagas.WaitAsync(order.OrderId, s => s.CurrentState == "Completed", TimeSpan.FromSeconds(60));
        await Task.Delay(200); // the last spans end just after the commit the watcher saw
        tracing.ForceFlush();

        List<Activity> ours;
        lock (spans)
        {
            ours = [.. spans.Where(s => s.TraceId == trace)];
        }

        string Names() => string.Join("\n", ours.Select(s => $"{s.Source.Name}: {s.DisplayName}"));
        Assert.Contains(ours, s => s.DisplayName == "POST /orders");
        Assert.Contains(ours, s => s.DisplayName == "publish OrderSubmitted");
        Assert.Contains(ours, s => s.DisplayName.StartsWith("send ", StringComparison.Ordinal)); // outbox -> broker
        foreach (var endpoint in new[] { "checkout-state", "reserve-inventory", "charge-payment", "confirm-order", "generate-invoice", "send-confirmation", "update-crm" })
        {
            Assert.True(ours.Any(s => s.DisplayName.StartsWith("process ", StringComparison.Ordinal) && s.DisplayName.EndsWith(endpoint, StringComparison.Ordinal)), $"no 'process {endpoint}' span in the order's trace:\n{Names()}");
        }

        foreach (var step in new[] { "GenerateInvoice", "SendConfirmation", "UpdateCrm" })
        {
            Assert.True(ours.Any(s => s.Source.Name == StepFunctionDiagnostics.Name && s.DisplayName == $"run {step}"), $"no function span for {step}:\n{Names()}");
        }

        // Back from the functions: the saga handled their replies in the same trace, after the function spans.
        var lastFunction = ours.Where(s => s.Source.Name == StepFunctionDiagnostics.Name).Max(s => s.StartTimeUtc);
        Assert.Contains(ours, s => s.DisplayName.EndsWith("checkout-state", StringComparison.Ordinal) && s.StartTimeUtc > lastFunction);

        // And nothing of this order went to another trace.
        List<Activity> strays;
        lock (spans)
        {
            strays = [.. spans.Where(s => s.TraceId != trace && Equals(s.GetTagItem("sagas.saga_id"), order.OrderId.ToString()))];
        }

        Assert.True(strays.Count == 0, "spans of the order outside its trace: " + string.Join(", ", strays.Select(s => s.DisplayName)));
    }
}
