using System.Collections.Concurrent;
using Checkout.Contracts;

namespace Checkout.Simulation;

/// <summary>Stock. <c>SKU-OOS</c> is never in stock. Reservations are idempotent per idempotency key.</summary>
public sealed class Warehouse(EffectLog effects)
{
    /// <summary>The SKU that is always out of stock.</summary>
    public const string OutOfStockSku = "SKU-OOS";

    private readonly ConcurrentDictionary<string, string> _reservations = new();

    public string? Reserve(Guid orderId, IReadOnlyList<OrderLine> lines, string idempotencyKey)
    {
        if (lines.Any(l => l.Sku == OutOfStockSku))
        {
            return null;
        }

        return Idempotent.Once(_reservations, idempotencyKey, $"R-{orderId.ToString("N")[..8]}", () => effects.Add(orderId, "inventory-reserved"));
    }

    public void Release(Guid orderId, string idempotencyKey, string? reservationId)
    {
        if (_reservations.TryAdd(idempotencyKey, reservationId ?? "none"))
        {
            effects.Add(orderId, "inventory-released");
        }
    }
}

/// <summary>Cards. <c>tok_declined</c> is declined. Charges and refunds are idempotent per idempotency key.</summary>
public sealed class PaymentGateway(EffectLog effects)
{
    /// <summary>The card token that is always declined.</summary>
    public const string DeclinedCard = "tok_declined";

    private readonly ConcurrentDictionary<string, string> _operations = new();

    public string? Charge(Guid orderId, string cardToken, decimal amount, string idempotencyKey)
    {
        if (cardToken == DeclinedCard)
        {
            return null;
        }

        return Idempotent.Once(_operations, idempotencyKey, $"P-{orderId.ToString("N")[..8]}", () => effects.Add(orderId, $"payment-charged:{amount:0.00}"));
    }

    public void Refund(Guid orderId, decimal amount, string idempotencyKey)
    {
        if (_operations.TryAdd(idempotencyKey, "refund"))
        {
            effects.Add(orderId, $"payment-refunded:{amount:0.00}");
        }
    }
}

/// <summary>Order confirmation. Orders with <c>SKU-EMBARGO</c> cannot be confirmed (export restriction).</summary>
public sealed class OrderBook(EffectLog effects)
{
    /// <summary>The SKU whose orders confirmation refuses.</summary>
    public const string EmbargoedSku = "SKU-EMBARGO";

    private readonly ConcurrentDictionary<string, string> _confirmations = new();

    public string? Confirm(Guid orderId, IReadOnlyList<OrderLine> lines, string idempotencyKey)
    {
        if (lines.Any(l => l.Sku == EmbargoedSku))
        {
            return null;
        }

        return Idempotent.Once(_confirmations, idempotencyKey, $"C-{orderId.ToString("N")[..8]}", () => effects.Add(orderId, "order-confirmed"));
    }
}

/// <summary>
/// The CRM. Customers whose id starts with <c>crm-flaky</c> fail the first two attempts; those starting with
/// <c>crm-down</c> fail every attempt.
/// </summary>
public sealed class Crm(EffectLog effects)
{
    /// <summary>Prefix of customers for whom the CRM fails transiently twice (the same rule as the sandbox CRM's).</summary>
    public const string FlakyPrefix = Checkout.Steps.Sandbox.SandboxCrm.FlakyPrefix;

    /// <summary>Prefix of customers for whom the CRM is down (the same rule as the sandbox CRM's).</summary>
    public const string DownPrefix = Checkout.Steps.Sandbox.SandboxCrm.DownPrefix;

    private readonly ConcurrentDictionary<string, bool> _updates = new();
    private readonly ConcurrentDictionary<string, bool> _repaired = new();

    /// <summary>Repairs the CRM account of <paramref name="customerId"/> (what an operator does before resuming its order): its updates succeed from now on.</summary>
    public void Repair(string customerId) => _repaired[customerId] = true;

    public void Update(Guid orderId, string customerId, int attempt, string idempotencyKey)
    {
        if ((customerId.StartsWith(DownPrefix, StringComparison.Ordinal) && !_repaired.ContainsKey(customerId))
            || (customerId.StartsWith(FlakyPrefix, StringComparison.Ordinal) && attempt <= 2))
        {
            throw new HttpRequestException($"CRM answered 503 Service Unavailable for customer {customerId}");
        }

        if (_updates.TryAdd(idempotencyKey, true))
        {
            effects.Add(orderId, "crm-updated");
        }
    }
}

/// <summary>How the simulated back-ends keep an operation to once per idempotency key, as a real payment or stock service does.</summary>
internal static class Idempotent
{
    /// <summary>
    /// Records <paramref name="result"/> under <paramref name="key"/> and runs <paramref name="effect"/> only if this call
    /// recorded it; returns the recorded result. Atomic: two concurrent calls with one key (a duplicate delivery handled
    /// while the first is still running) have one effect. <c>GetOrAdd</c> with a factory is not: it may run the factory twice.
    /// </summary>
    public static string Once(ConcurrentDictionary<string, string> done, string key, string result, Action effect)
    {
        if (done.TryAdd(key, result))
        {
            effect();
        }

        return done[key];
    }
}
