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

public sealed class When_the_function_host_is_unreachable
{
    private static readonly Uri Nowhere = new($"http://127.0.0.1:{ClosedPort()}/steps");

    [Fact]
    public async Task Refused_calls_spend_no_attempt_and_the_routes_outage_budget_bounds_them()
    {
        await using var checkout = await CheckoutFixture.StartAsync(s => s.Configure<StepRoutingOptions>(o =>
            o.Routes["com.example.checkout.update-crm.v1"] = new StepRoute { Http = Nowhere, MaxRetries = 0, OutageBudget = TimeSpan.FromSeconds(40) }));
        var order = await checkout.SubmitAsync(Scenario.Happy);

        // Five refused calls: more than the three attempts of the step's retry budget, and still retrying.
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            var current = attempt;
            var waiting = await checkout.Sagas.WaitAsync(order.OrderId, s => Crm(s) is { Status: StepStatus.WaitingRetry } p && p.Attempt == current);
            checkout.Host.Time.Advance(Crm(waiting).DueAt!.Value - checkout.Host.Time.GetUtcNow());
        }

        var state = await checkout.Sagas.WaitAsync(order.OrderId, s => Crm(s).Attempt == 6);
        Assert.Equal("Executing", state.CurrentState);
        var refused = state.History.Where(h => h is { Step: "UpdateCrm", Kind: StepHistoryKind.Unavailable }).ToList();
        Assert.True(refused.Count >= 5, string.Join(Environment.NewLine, state.History));
        Assert.All(refused, h => Assert.StartsWith("HttpRequestException", h.Reason, StringComparison.Ordinal));

        // Past the route's 40 s (not the step's 10 min), the step fails and the saga parks, naming the outage.
        for (var i = 0; i < 20 && checkout.Sagas.Latest(order.OrderId)!.CurrentState == "Executing"; i++)
        {
            var latest = await checkout.Sagas.WaitAsync(order.OrderId, s => s.CurrentState != "Executing" || Crm(s).Status == StepStatus.WaitingRetry);
            if (latest.CurrentState == "Executing")
            {
                checkout.Host.Time.Advance(Crm(latest).DueAt!.Value - checkout.Host.Time.GetUtcNow());
                await checkout.Sagas.WaitAsync(order.OrderId, s => s.CurrentState != "Executing" || Crm(s).Attempt > Crm(latest).Attempt);
            }
        }

        var faulted = await checkout.WaitForStateAsync(order.OrderId, "Faulted");
        Assert.Contains("past the outage budget of 40 s", faulted.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_open_circuit_makes_the_next_attempt_wait_until_it_half_opens()
    {
        await using var checkout = await CheckoutFixture.StartAsync(s => s.Configure<StepRoutingOptions>(o =>
            o.Routes["com.example.checkout.update-crm.v1"] = new StepRoute { Http = Nowhere, MaxRetries = 0, BreakDuration = TimeSpan.FromSeconds(20) }));
        // Ten refused calls open the circuit; the calls after it are not made, and their retries wait for the break.
        var states = new List<Checkout.Saga.CheckoutState>();
        foreach (var batch in new[] { 10, 4 })
        {
            var orders = Enumerable.Range(states.Count, batch).Select(i => OrderScenarios.Create(Scenario.Happy, i)).ToList();
            foreach (var order in orders)
            {
                await checkout.Host.Bus.Publish(order);
            }

            foreach (var order in orders)
            {
                states.Add(await checkout.Sagas.WaitAsync(order.OrderId, s => Crm(s).Status == StepStatus.WaitingRetry));
            }
        }

        var now = checkout.Host.Time.GetUtcNow();
        var broken = states.Skip(10).Where(s => s.History.Any(h => h is { Step: "UpdateCrm", Kind: StepHistoryKind.Unavailable } && h.Reason!.StartsWith("BrokenCircuitException", StringComparison.Ordinal))).ToList();
        Assert.Equal(4, broken.Count);
        Assert.All(broken, s => Assert.True(Crm(s).DueAt >= now + TimeSpan.FromSeconds(19), $"retry due at {Crm(s).DueAt}, the circuit half-opens at {now + TimeSpan.FromSeconds(20)}"));
        Assert.All(states, s => Assert.Equal("Executing", s.CurrentState));
    }

    private static StepProgress Crm(Checkout.Saga.CheckoutState state) => state.Steps.Single(s => s.Name == "UpdateCrm");

    private static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port; // nothing listens once the listener is gone
    }
}
