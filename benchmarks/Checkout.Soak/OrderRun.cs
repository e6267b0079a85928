using System.Text.Json;
using Checkout.Contracts;
using Checkout.Simulation;

namespace Checkout.Soak;

/// <summary>One order of the run: what its data implies, when the API accepted it, and the saga as last seen.</summary>
internal sealed class OrderRun(OrderSubmitted order, bool postTwice)
{
    public OrderSubmitted Order { get; } = order;

    public Scenario Scenario { get; } = OrderScenarios.ScenarioOf(order);

    public string Expected => OrderScenarios.ExpectedState(Scenario);

    /// <summary>Whether the order gets past the pivot, so it must have exactly one invoice and one email.</summary>
    public bool PastPivot => Scenario is Scenario.Happy or Scenario.FlakyCrm or Scenario.CrmDown;

    public bool PostTwice { get; } = postTwice;

    public DateTimeOffset? AcceptedAt { get; set; }

    public JsonElement? Saga { get; set; }

    public double? LatencyMs { get; set; }

    public string? State => Saga?.GetProperty("state").GetString();

    public bool IsTerminal => State is "Completed" or "Rejected" or "Compensated" or "Faulted";
}
