using Checkout.Contracts;

namespace Checkout.Simulation;

/// <summary>
/// Checks the <see cref="EffectLog"/> after a run: no effect happened twice for an order (retries and duplicates were
/// absorbed by idempotency keys), and an order that completed has every effect of the checkout exactly once.
/// </summary>
public static class EffectAudit
{
    /// <summary>Every effect of a completed checkout (payment effects carry the amount after a colon).</summary>
    public static IReadOnlyList<string> CompletedEffects { get; } =
        ["inventory-reserved", "payment-charged", "order-confirmed", "invoice-generated", "confirmation-sent", "crm-updated"];

    /// <summary>One line per problem found, naming the order; empty when every effect happened as it should.</summary>
    public static IReadOnlyList<string> Check(EffectLog effects, IReadOnlyList<OrderSubmitted> orders, IReadOnlyDictionary<Guid, (string State, double LatencyMs, string? Reason)> results)
    {
        ArgumentNullException.ThrowIfNull(effects);
        ArgumentNullException.ThrowIfNull(orders);
        ArgumentNullException.ThrowIfNull(results);
        var problems = new List<string>();
        foreach (var order in orders)
        {
            var happened = effects.For(order.OrderId).Select(e => e.Split(':')[0]).ToList();
            foreach (var twice in happened.GroupBy(e => e).Where(g => g.Count() > 1))
            {
                problems.Add($"saga {order.OrderId}: {twice.Key} happened {twice.Count()} times");
            }

            if (results.TryGetValue(order.OrderId, out var result) && result.State == "Completed")
            {
                foreach (var missing in CompletedEffects.Except(happened))
                {
                    problems.Add($"saga {order.OrderId}: Completed without {missing}");
                }
            }

            if (OrderScenarios.ScenarioOf(order) == Scenario.CrmDown && happened.Contains("crm-updated"))
            {
                problems.Add($"saga {order.OrderId}: the CRM is down for this customer, yet crm-updated was recorded");
            }
        }

        return problems;
    }
}
