using Checkout.Contracts;
using Sagas.Steps;

namespace Checkout.Saga;

/// <summary>The checkout saga's state.</summary>
public sealed class CheckoutState : StepSagaState
{
    public string CustomerId { get; set; } = string.Empty;

    public string CustomerEmail { get; set; } = string.Empty;

    public string CardToken { get; set; } = string.Empty;

    public List<OrderLine> Lines { get; set; } = [];

    public decimal Total { get; set; }

    public string? ReservationId { get; set; }

    public string? PaymentId { get; set; }

    public string? ConfirmationNumber { get; set; }

    public string? InvoiceNumber { get; set; }
}
