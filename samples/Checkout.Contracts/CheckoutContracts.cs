using FluentValidation;
using Sagas.Contracts;

namespace Checkout.Contracts;

/// <summary>One line of an order.</summary>
public sealed record OrderLine(string Sku, int Quantity, decimal UnitPrice);

/// <summary>A customer submitted an order: starts the checkout saga.</summary>
[CloudEventContract("com.example.checkout.order-submitted", 1)]
public sealed record OrderSubmitted(Guid OrderId, string CustomerId, string CustomerEmail, string CardToken, IReadOnlyList<OrderLine> Lines);

/// <summary>Reserve stock for the order's lines.</summary>
[CloudEventContract("com.example.checkout.reserve-inventory", 1)]
public sealed record ReserveInventory(Guid OrderId, IReadOnlyList<OrderLine> Lines);

/// <summary>Result of <see cref="ReserveInventory"/>.</summary>
public sealed record InventoryReserved(string ReservationId);

/// <summary>Undo <see cref="ReserveInventory"/>.</summary>
[CloudEventContract("com.example.checkout.release-inventory", 1)]
public sealed record ReleaseInventory(Guid OrderId, string? ReservationId);

/// <summary>Charge the customer's card.</summary>
[CloudEventContract("com.example.checkout.charge-payment", 1)]
public sealed record ChargePayment(Guid OrderId, string CustomerId, string CardToken, decimal Amount);

/// <summary>Result of <see cref="ChargePayment"/>.</summary>
public sealed record PaymentCharged(string PaymentId);

/// <summary>Undo <see cref="ChargePayment"/>.</summary>
[CloudEventContract("com.example.checkout.refund-payment", 1)]
public sealed record RefundPayment(Guid OrderId, string? PaymentId, decimal Amount);

/// <summary>Confirm the order: the point of no return.</summary>
[CloudEventContract("com.example.checkout.confirm-order", 1)]
public sealed record ConfirmOrder(Guid OrderId, IReadOnlyList<OrderLine> Lines);

/// <summary>Result of <see cref="ConfirmOrder"/>.</summary>
public sealed record OrderConfirmed(string ConfirmationNumber);

/// <summary>Produce the invoice PDF.</summary>
[CloudEventContract("com.example.checkout.generate-invoice", 1)]
public sealed record GenerateInvoice(Guid OrderId, string CustomerId, IReadOnlyList<OrderLine> Lines, decimal Total);

/// <summary>Result of <see cref="GenerateInvoice"/>.</summary>
public sealed record InvoiceGenerated(string InvoiceNumber);

/// <summary>Email the confirmation to the customer.</summary>
[CloudEventContract("com.example.checkout.send-confirmation", 1)]
public sealed record SendConfirmation(Guid OrderId, string CustomerEmail, string ConfirmationNumber);

/// <summary>Record the order in the CRM.</summary>
[CloudEventContract("com.example.checkout.update-crm", 1)]
public sealed record UpdateCrm(Guid OrderId, string CustomerId, decimal Total);

/// <summary>Validates <see cref="OrderLine"/>.</summary>
public sealed class OrderLineValidator : AbstractValidator<OrderLine>
{
    /// <summary>Creates the validator.</summary>
    public OrderLineValidator()
    {
        RuleFor(x => x.Sku).NotEmpty().MaximumLength(64);
        RuleFor(x => x.Quantity).InclusiveBetween(1, 1000);
        RuleFor(x => x.UnitPrice).GreaterThan(0);
    }
}

/// <summary>Validates <see cref="OrderSubmitted"/> at the edge.</summary>
public sealed class OrderSubmittedValidator : AbstractValidator<OrderSubmitted>
{
    /// <summary>Creates the validator.</summary>
    public OrderSubmittedValidator()
    {
        RuleFor(x => x.OrderId).NotEmpty();
        RuleFor(x => x.CustomerId).NotEmpty().MaximumLength(64);
        RuleFor(x => x.CustomerEmail).NotEmpty().EmailAddress();
        RuleFor(x => x.CardToken).NotEmpty();
        RuleFor(x => x.Lines).NotEmpty();
        RuleForEach(x => x.Lines).SetValidator(new OrderLineValidator());
    }
}

/// <summary>Validates commands: every one names its order.</summary>
public sealed class OrderCommandValidator<T> : AbstractValidator<T>
{
    /// <summary>Creates the validator.</summary>
    public OrderCommandValidator(Func<T, Guid> orderId) => RuleFor(x => orderId(x)).NotEmpty().WithName("OrderId");
}

/// <summary>Registers the checkout contracts.</summary>
public static class CheckoutContracts
{
    /// <summary>Adds every checkout contract with its validator, and their source-generated JSON metadata.</summary>
    public static ContractRegistry AddCheckoutContracts(this ContractRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return registry
            .AddJsonMetadata(CheckoutJsonContext.Default)
            .Add(new OrderSubmittedValidator())
            .Add(new OrderCommandValidator<ReserveInventory>(x => x.OrderId))
            .Add(new OrderCommandValidator<ReleaseInventory>(x => x.OrderId))
            .Add(new OrderCommandValidator<ChargePayment>(x => x.OrderId))
            .Add(new OrderCommandValidator<RefundPayment>(x => x.OrderId))
            .Add(new OrderCommandValidator<ConfirmOrder>(x => x.OrderId))
            .Add(new OrderCommandValidator<GenerateInvoice>(x => x.OrderId))
            .Add(new OrderCommandValidator<SendConfirmation>(x => x.OrderId))
            .Add(new OrderCommandValidator<UpdateCrm>(x => x.OrderId));
    }
}
