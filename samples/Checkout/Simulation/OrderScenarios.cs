using Checkout.Contracts;

namespace Checkout.Simulation;

/// <summary>The paths an order can take, decided by its data.</summary>
public enum Scenario
{
    /// <summary>Everything succeeds.</summary>
    Happy,

    /// <summary>An out-of-stock SKU: rejected, nothing to undo.</summary>
    OutOfStock,

    /// <summary>A declined card: inventory released.</summary>
    PaymentDeclined,

    /// <summary>Confirmation refused: payment refunded, then inventory released.</summary>
    ConfirmationFails,

    /// <summary>The CRM fails twice, then succeeds.</summary>
    FlakyCrm,

    /// <summary>The CRM is down for good: parked as Faulted.</summary>
    CrmDown,
}

/// <summary>Builds orders for each scenario and says which terminal state each must reach.</summary>
public static class OrderScenarios
{
    private static readonly (Scenario Scenario, int Weight)[] Mix =
    [
        (Scenario.Happy, 70),
        (Scenario.OutOfStock, 8),
        (Scenario.PaymentDeclined, 8),
        (Scenario.ConfirmationFails, 5),
        (Scenario.FlakyCrm, 6),
        (Scenario.CrmDown, 3),
    ];

    /// <summary>The terminal state an order of <paramref name="scenario"/> must reach.</summary>
    public static string ExpectedState(Scenario scenario) => scenario switch
    {
        Scenario.OutOfStock => "Rejected",
        Scenario.PaymentDeclined or Scenario.ConfirmationFails => "Compensated",
        Scenario.CrmDown => "Faulted",
        _ => "Completed",
    };

    /// <summary>The scenario an order's data implies.</summary>
    public static Scenario ScenarioOf(OrderSubmitted order)
    {
        ArgumentNullException.ThrowIfNull(order);
        if (order.Lines.Any(l => l.Sku == Warehouse.OutOfStockSku))
        {
            return Scenario.OutOfStock;
        }

        if (order.CardToken == PaymentGateway.DeclinedCard)
        {
            return Scenario.PaymentDeclined;
        }

        if (order.Lines.Any(l => l.Sku == OrderBook.EmbargoedSku))
        {
            return Scenario.ConfirmationFails;
        }

        return order.CustomerId.StartsWith(Crm.DownPrefix, StringComparison.Ordinal) ? Scenario.CrmDown
            : order.CustomerId.StartsWith(Crm.FlakyPrefix, StringComparison.Ordinal) ? Scenario.FlakyCrm
            : Scenario.Happy;
    }

    /// <summary>An order that takes <paramref name="scenario"/>.</summary>
    public static OrderSubmitted Create(Scenario scenario, int number)
    {
        var orderId = Guid.CreateVersion7();
        var customer = scenario switch
        {
            Scenario.FlakyCrm => $"{Crm.FlakyPrefix}-{number}",
            Scenario.CrmDown => $"{Crm.DownPrefix}-{number}",
            _ => $"customer-{number}",
        };
        List<OrderLine> lines = [new("SKU-BOOK", 1 + (number % 3), 12.50m), new("SKU-MUG", 1, 8.00m)];
        if (scenario == Scenario.OutOfStock)
        {
            lines.Add(new OrderLine(Warehouse.OutOfStockSku, 1, 99m));
        }

        if (scenario == Scenario.ConfirmationFails)
        {
            lines.Add(new OrderLine(OrderBook.EmbargoedSku, 1, 450m));
        }

        var card = scenario == Scenario.PaymentDeclined ? PaymentGateway.DeclinedCard : "tok_visa";
        return new OrderSubmitted(orderId, customer, $"{customer}@example.com", card, lines);
    }

    /// <summary>
    /// <paramref name="count"/> orders in the realistic mix, reproducible for a given <paramref name="seed"/>;
    /// the first orders take each scenario once, so even a short run exercises every path.
    /// </summary>
    public static IReadOnlyList<OrderSubmitted> CreateMix(int count, int seed = 42)
    {
        var random = new Random(seed);
        var total = Mix.Sum(m => m.Weight);
        var orders = new List<OrderSubmitted>(count);
        for (var i = 0; i < count; i++)
        {
            var pick = random.Next(total);
            var scenario = i < Mix.Length ? Mix[i].Scenario : Mix.First(m => (pick -= m.Weight) < 0).Scenario;
            orders.Add(Create(scenario, i));
        }

        return orders;
    }
}
