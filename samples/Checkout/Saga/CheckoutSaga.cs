using Checkout.Contracts;
using MassTransit;
using Sagas.Steps;

namespace Checkout.Saga;

/// <summary>
/// The checkout: reserve inventory and charge payment (both compensatable), confirm the order (the pivot),
/// then generate the invoice, send the confirmation and update the CRM (retriable, concurrently).
/// </summary>
public sealed class CheckoutSaga : StepSagaStateMachine<CheckoutState>
{
    /// <summary>Creates the saga with the given step settings.</summary>
    public CheckoutSaga(CheckoutSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Event(() => OrderSubmitted, e => e.CorrelateById(m => m.Message.OrderId));

        Steps(plan => plan
            .Compensatable<ReserveInventory, InventoryReserved, ReleaseInventory>(
                "ReserveInventory",
                s => new ReserveInventory(s.CorrelationId, s.Lines),
                s => new ReleaseInventory(s.CorrelationId, s.ReservationId),
                (s, r) => s.ReservationId = r.ReservationId,
                settings.Configure)
            .Compensatable<ChargePayment, PaymentCharged, RefundPayment>(
                "ChargePayment",
                s => new ChargePayment(s.CorrelationId, s.CustomerId, s.CardToken, s.Total),
                s => new RefundPayment(s.CorrelationId, s.PaymentId, s.Total),
                (s, r) => s.PaymentId = r.PaymentId,
                settings.Configure)
            .Pivot<ConfirmOrder, OrderConfirmed>(
                "ConfirmOrder",
                s => new ConfirmOrder(s.CorrelationId, s.Lines),
                (s, r) => s.ConfirmationNumber = r.ConfirmationNumber,
                settings.Configure)
            .Retriable<GenerateInvoice, InvoiceGenerated>(
                "GenerateInvoice",
                s => new GenerateInvoice(s.CorrelationId, s.CustomerId, s.Lines, s.Total),
                (s, r) => s.InvoiceNumber = r.InvoiceNumber,
                settings.Configure)
            .Retriable<SendConfirmation, Done>(
                "SendConfirmation",
                s => new SendConfirmation(s.CorrelationId, s.CustomerEmail, s.ConfirmationNumber ?? string.Empty),
                configure: settings.Configure)
            .Retriable<UpdateCrm, Done>(
                "UpdateCrm",
                s => new UpdateCrm(s.CorrelationId, s.CustomerId, s.Total),
                configure: settings.Configure));

        Initially(
            When(OrderSubmitted)
                .Then(c =>
                {
                    var order = c.Message;
                    c.Saga.CustomerId = order.CustomerId;
                    c.Saga.CustomerEmail = order.CustomerEmail;
                    c.Saga.CardToken = order.CardToken;
                    c.Saga.Lines = [.. order.Lines];
                    c.Saga.Total = order.Lines.Sum(l => l.Quantity * l.UnitPrice);
                })
                .ThenAsync(BeginStepsAsync));
    }

    /// <summary>A customer submitted an order.</summary>
    public Event<OrderSubmitted> OrderSubmitted { get; private set; } = null!;
}

/// <summary>Deadlines and retry budgets of the checkout steps.</summary>
public sealed class CheckoutSettings
{
    /// <summary>Deadline of each attempt. Default 10 s.</summary>
    public TimeSpan Deadline { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Retries of each step. Default: 4 attempts, 20 ms doubling.</summary>
    public StepRetryOptions Retry { get; set; } = new() { MaxAttempts = 4, InitialDelay = TimeSpan.FromMilliseconds(20), MaxDelay = TimeSpan.FromSeconds(1) };

    /// <summary>Retries of each compensation. Default: unlimited, 20 ms doubling up to 1 s.</summary>
    public StepRetryOptions CompensationRetry { get; set; } = new() { MaxAttempts = int.MaxValue, InitialDelay = TimeSpan.FromMilliseconds(20), MaxDelay = TimeSpan.FromSeconds(1) };

    internal void Configure(StepOptions options)
    {
        options.Deadline = Deadline;
        options.Retry = Retry;
        options.CompensationRetry = CompensationRetry;
    }
}
