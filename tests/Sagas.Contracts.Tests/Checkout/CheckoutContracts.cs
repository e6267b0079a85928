using FluentValidation;

namespace Sagas.Contracts.Tests.Checkout;

// A small contracts namespace, as an application would declare it: records with [CloudEventContract] and
// their FluentValidation validators, registered explicitly.

/// <summary>An order was submitted.</summary>
[CloudEventContract("com.example.checkout.order-submitted", 1)]
public sealed record OrderSubmitted(Guid OrderId, string CustomerId, IReadOnlyList<OrderLine> Lines, string? Note = null);

/// <summary>One line of an order.</summary>
public sealed record OrderLine(string Sku, int Quantity, decimal UnitPrice);

public sealed class OrderSubmittedValidator : AbstractValidator<OrderSubmitted>
{
    public OrderSubmittedValidator()
    {
        RuleFor(x => x.OrderId).NotEmpty();
        RuleFor(x => x.CustomerId).NotEmpty();
        RuleFor(x => x.Lines).NotEmpty();
        RuleForEach(x => x.Lines).ChildRules(line =>
        {
            line.RuleFor(l => l.Sku).NotEmpty();
            line.RuleFor(l => l.Quantity).GreaterThan(0);
        });
    }
}

/// <summary>A payment was declined; version 2, with its schema published at an explicit URI.</summary>
[CloudEventContract("com.example.payments.payment-declined", 2, DataSchema = "https://schemas.example.com/payments/payment-declined-v2.json")]
public sealed record PaymentDeclined(Guid OrderId, string Reason, PaymentMethod Method);

public enum PaymentMethod
{
    Card,
    Invoice,
}

/// <summary>A minimal contract for tests that are about attributes rather than data.</summary>
[CloudEventContract("com.example.tests.ping", 1)]
public sealed record Ping(string Message);

public static class CheckoutContracts
{
    public static ContractRegistry AddCheckoutContracts(this ContractRegistry registry)
        => registry
            .Add(new OrderSubmittedValidator())
            .Add<PaymentDeclined>()
            .Add<Ping>();

    public static OrderSubmitted SampleOrder() => new(
        Guid.Parse("5b1c7e0e-2d8f-4c55-9a43-0f3c2b1d9e77"),
        "customer-42",
        [new OrderLine("SKU-1", 2, 9.95m), new OrderLine("SKU-2", 1, 120m)],
        "leave at the door");
}
