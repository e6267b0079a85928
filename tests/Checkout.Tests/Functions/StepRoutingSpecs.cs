using Checkout.Simulation;
using Microsoft.Extensions.DependencyInjection;
using Sagas.Gateway;
using Sagas.Steps;

namespace Checkout.Tests.Functions;

public sealed class When_a_retriable_step_is_routed_to_an_http_function
{
    [Theory]
    [InlineData("com.example.checkout.generate-invoice.v1", "invoice-generated")]
    [InlineData("com.example.checkout.send-confirmation.v1", "confirmation-sent")]
    [InlineData("com.example.checkout.update-crm.v1", "crm-updated")]
    public async Task The_same_checkout_completes_with_the_step_run_by_the_function(string commandType, string effect)
    {
        await using var functions = await FunctionHost.StartAsync();
        await using var checkout = await CheckoutFixture.StartAsync(s => s.Configure<StepRoutingOptions>(o => o.Routes[commandType] = new StepRoute { Http = functions.Endpoint }));
        var order = await checkout.SubmitAsync(Scenario.Happy);

        var state = await checkout.WaitForStateAsync(order.OrderId, "Completed");

        Assert.All(state.Steps, s => Assert.Equal(StepStatus.Completed, s.Status));
        Assert.Equal([effect], functions.Effects.For(order.OrderId));
        Assert.DoesNotContain(effect, checkout.Effects.For(order.OrderId));
        Assert.Equal(6, checkout.Effects.For(order.OrderId).Count + functions.Effects.For(order.OrderId).Count);
    }

    [Fact]
    public async Task A_function_failing_transiently_is_retried_and_one_failing_for_good_parks_the_saga()
    {
        await using var functions = await FunctionHost.StartAsync();
        await using var checkout = await CheckoutFixture.StartAsync(s => s.Configure<StepRoutingOptions>(o =>
            o.Routes["com.example.checkout.update-crm.v1"] = new StepRoute { Http = functions.Endpoint, MaxRetries = 0 }));
        var flaky = await checkout.SubmitAsync(Scenario.FlakyCrm);

        // The CRM function throws on attempts 1 and 2: the saga retries the step (fake clock), attempt 3 succeeds.
        await checkout.Sagas.WaitAsync(flaky.OrderId, s => s.Steps.Single(p => p.Name == "UpdateCrm") is { Status: StepStatus.WaitingRetry, Attempt: 1 });
        checkout.Host.Time.Advance(TimeSpan.FromSeconds(1));
        await checkout.Sagas.WaitAsync(flaky.OrderId, s => s.Steps.Single(p => p.Name == "UpdateCrm") is { Status: StepStatus.WaitingRetry, Attempt: 2 });
        checkout.Host.Time.Advance(TimeSpan.FromSeconds(2));
        await checkout.WaitForStateAsync(flaky.OrderId, "Completed");
        Assert.Equal(["crm-updated"], functions.Effects.For(flaky.OrderId));

        var down = OrderScenarios.Create(Scenario.CrmDown, 2);
        await checkout.Host.Bus.Publish(down);
        await checkout.Sagas.WaitAsync(down.OrderId, s => s.Steps.Single(p => p.Name == "UpdateCrm") is { Status: StepStatus.WaitingRetry, Attempt: 1 });
        checkout.Host.Time.Advance(TimeSpan.FromSeconds(1));
        await checkout.Sagas.WaitAsync(down.OrderId, s => s.Steps.Single(p => p.Name == "UpdateCrm") is { Status: StepStatus.WaitingRetry, Attempt: 2 });
        checkout.Host.Time.Advance(TimeSpan.FromSeconds(2));
        var faulted = await checkout.WaitForStateAsync(down.OrderId, "Faulted");

        Assert.StartsWith("UpdateCrm failed after 3 attempt(s): HttpRequestException: CRM answered 503", faulted.Reason, StringComparison.Ordinal);
    }
}

public sealed class When_a_step_is_served_by_a_nodejs_function
{
    [Fact]
    public async Task The_saga_completes_with_the_reply_of_the_official_cloudevents_sdk()
    {
        await using var node = await NodeFunction.StartAsync();
        await using var checkout = await CheckoutFixture.StartAsync(s => s.Configure<StepRoutingOptions>(o =>
            o.Routes["com.example.checkout.update-crm.v1"] = new StepRoute { Http = node.Endpoint }));
        var order = await checkout.SubmitAsync(Scenario.Happy);

        var state = await checkout.WaitForStateAsync(order.OrderId, "Completed");

        Assert.All(state.Steps, s => Assert.Equal(StepStatus.Completed, s.Status));
        Assert.Contains($"for saga {order.OrderId}", await node.WaitForOutputAsync($"for saga {order.OrderId}"), StringComparison.Ordinal);
        Assert.DoesNotContain("crm-updated", checkout.Effects.For(order.OrderId));
    }
}
