using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Checkout.EndToEnd.Tests.Harness;
using Checkout.Simulation;
using Npgsql;
using Sagas.Testing;

namespace Checkout.EndToEnd.Tests;

public sealed class CheckoutTopologyTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Orders_through_the_API_reach_every_terminal_state_across_the_processes()
    {
        await using var topology = await CheckoutTopology.StartAsync(nameof(Orders_through_the_API_reach_every_terminal_state_across_the_processes));
        var orders = OrderScenarios.CreateMix(40);

        var locations = new List<Uri>();
        foreach (var order in orders)
        {
            locations.Add(await topology.SubmitAsync(order));
        }

        Assert.Equal($"/orders/{orders[0].OrderId}", locations[0].AbsolutePath);
        for (var i = 0; i < orders.Count; i++)
        {
            AssertOutcome(orders[i], await topology.WaitTerminalAsync(locations[i], Patience));
        }

        // The function host ran the real steps once per order past the pivot: one invoice PDF and one email each.
        var pastPivot = orders.Count(o => OrderScenarios.ScenarioOf(o) is Scenario.Happy or Scenario.FlakyCrm or Scenario.CrmDown);
        Assert.Equal(pastPivot, Directory.GetFiles(Path.Combine(topology.Output, "invoices"), "*.pdf").Length);
        Assert.Equal(pastPivot, Directory.GetFiles(Path.Combine(topology.Output, "mail"), "*.eml").Length);
    }

    [Fact]
    public async Task The_API_answers_bad_orders_with_problem_details_naming_what_is_wrong()
    {
        await using var topology = await CheckoutTopology.StartAsync(nameof(The_API_answers_bad_orders_with_problem_details_naming_what_is_wrong));

        using var invalid = await topology.Http.PostAsJsonAsync("/orders", new { customerId = "c-1", customerEmail = "not-an-email", cardToken = "tok_visa", lines = Array.Empty<object>() });
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal("application/problem+json", invalid.Content.Headers.ContentType?.MediaType);
        var problem = await invalid.Content.ReadFromJsonAsync<JsonElement>();
        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty("customerEmail", out _), problem.ToString());
        Assert.True(errors.TryGetProperty("lines", out _), problem.ToString());

        using var broken = await topology.Http.PostAsync("/orders", new StringContent("{\"customerId\":", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
        Assert.Equal("application/problem+json", broken.Content.Headers.ContentType?.MediaType);

        using var text = await topology.Http.PostAsync("/orders", new StringContent("order", Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, text.StatusCode);

        using var unknown = await topology.Http.GetAsync($"/orders/{Guid.NewGuid()}");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task A_worker_killed_mid_run_and_restarted_loses_nothing_and_does_nothing_twice()
    {
        await using var topology = await CheckoutTopology.StartAsync(nameof(A_worker_killed_mid_run_and_restarted_loses_nothing_and_does_nothing_twice));
        var orders = OrderScenarios.CreateMix(60);

        var locations = new List<Uri>();
        foreach (var order in orders.Take(40))
        {
            locations.Add(await topology.SubmitAsync(order));
        }

        // Mid-run: sagas in every state, commands and replies on the wire, deadlines pending in the outbox.
        await topology.RestartWorkerAfterKillAsync(TimeSpan.FromSeconds(1));
        foreach (var order in orders.Skip(40))
        {
            locations.Add(await topology.SubmitAsync(order));
        }

        for (var i = 0; i < orders.Count; i++)
        {
            var saga = await topology.WaitTerminalAsync(locations[i], Patience);
            AssertOutcome(orders[i], saga);

            // Nothing done twice: each step completed (and each compensation finished) at most once.
            var history = saga.GetProperty("history").EnumerateArray().Select(e => (Step: e.GetProperty("step").GetString(), What: e.GetProperty("kind").GetString())).ToList();
            var repeated = history.Where(e => e.What is "completed" or "compensated").GroupBy(e => e).Where(g => g.Count() > 1).Select(g => $"{g.Key.Step} {g.Key.What} x{g.Count()}").ToList();
            Assert.True(repeated.Count == 0, $"order {orders[i].OrderId}: {string.Join(", ", repeated)}");
        }

        var pastPivot = orders.Count(o => OrderScenarios.ScenarioOf(o) is Scenario.Happy or Scenario.FlakyCrm or Scenario.CrmDown);
        Assert.Equal(pastPivot, Directory.GetFiles(Path.Combine(topology.Output, "invoices"), "*.pdf").Length);
        Assert.Equal(pastPivot, Directory.GetFiles(Path.Combine(topology.Output, "mail"), "*.eml").Length);
    }

    [Fact]
    public async Task While_PostgreSQL_is_unreachable_the_API_answers_503_with_Retry_After_and_takes_the_order_once_it_is_back()
    {
        var postgres = new NpgsqlConnectionStringBuilder(await CheckoutTopology.FreshDatabaseAsync("api503"));
        await using var proxy = new TcpProxy(postgres.Port);
        postgres.Host = "127.0.0.1";
        postgres.Port = proxy.Port;
        postgres.Timeout = 3;
        await using var api = new ServiceProcess("Checkout.Api", new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = postgres.ConnectionString,
            ["ConnectionStrings__RabbitMq"] = CheckoutTopology.Broker.ToString(),
        });
        await api.StartAsync();
        using var http = new HttpClient { BaseAddress = api.Address, Timeout = TimeSpan.FromSeconds(30) };
        var order = OrderScenarios.Create(Scenario.Happy, 1);

        proxy.Cut();
        using var unavailable = await http.PostAsJsonAsync("/orders", order);
        using var reading = await http.GetAsync($"/orders/{order.OrderId}");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, unavailable.StatusCode);
        Assert.Equal("application/problem+json", unavailable.Content.Headers.ContentType?.MediaType);
        Assert.Equal(TimeSpan.FromSeconds(5), unavailable.Headers.RetryAfter?.Delta);
        var problem = await unavailable.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(503, problem.GetProperty("status").GetInt32());
        Assert.Contains("Send the request again", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, reading.StatusCode);

        proxy.Restore();
        using var accepted = await http.PostAsJsonAsync("/orders", order);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
    }

    private static void AssertOutcome(Contracts.OrderSubmitted order, JsonElement saga)
    {
        var scenario = OrderScenarios.ScenarioOf(order);
        var expected = OrderScenarios.ExpectedState(scenario);
        var state = saga.GetProperty("state").GetString();
        Assert.True(expected == state, $"order {order.OrderId} ({scenario}): expected {expected}, got {state} ({saga.GetProperty("reason")})");
    }
}
