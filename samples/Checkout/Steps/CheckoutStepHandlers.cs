using Checkout.Contracts;
using Checkout.Simulation;
using Sagas.Steps;

namespace Checkout.Steps;

public sealed class ReserveInventoryHandler(Warehouse warehouse) : IStepHandler<ReserveInventory, InventoryReserved>
{
    public ValueTask<StepOutcome<InventoryReserved>> HandleAsync(ReserveInventory command, StepContext context)
    {
        var reservation = warehouse.Reserve(command.OrderId, command.Lines, context.IdempotencyKey);
        return ValueTask.FromResult<StepOutcome<InventoryReserved>>(reservation is null
            ? StepOutcome.Fail($"out of stock: {Warehouse.OutOfStockSku}")
            : new InventoryReserved(reservation));
    }
}

public sealed class ReleaseInventoryHandler(Warehouse warehouse) : IStepHandler<ReleaseInventory, Done>
{
    public ValueTask<StepOutcome<Done>> HandleAsync(ReleaseInventory command, StepContext context)
    {
        warehouse.Release(command.OrderId, context.IdempotencyKey, command.ReservationId);
        return ValueTask.FromResult<StepOutcome<Done>>(Done.Value);
    }
}

public sealed class ChargePaymentHandler(PaymentGateway payments) : IStepHandler<ChargePayment, PaymentCharged>
{
    public ValueTask<StepOutcome<PaymentCharged>> HandleAsync(ChargePayment command, StepContext context)
    {
        var payment = payments.Charge(command.OrderId, command.CardToken, command.Amount, context.IdempotencyKey);
        return ValueTask.FromResult<StepOutcome<PaymentCharged>>(payment is null
            ? StepOutcome.Fail("card declined")
            : new PaymentCharged(payment));
    }
}

public sealed class RefundPaymentHandler(PaymentGateway payments) : IStepHandler<RefundPayment, Done>
{
    public ValueTask<StepOutcome<Done>> HandleAsync(RefundPayment command, StepContext context)
    {
        payments.Refund(command.OrderId, command.Amount, context.IdempotencyKey);
        return ValueTask.FromResult<StepOutcome<Done>>(Done.Value);
    }
}

public sealed class ConfirmOrderHandler(OrderBook orders) : IStepHandler<ConfirmOrder, OrderConfirmed>
{
    public ValueTask<StepOutcome<OrderConfirmed>> HandleAsync(ConfirmOrder command, StepContext context)
    {
        var confirmation = orders.Confirm(command.OrderId, command.Lines, context.IdempotencyKey);
        return ValueTask.FromResult<StepOutcome<OrderConfirmed>>(confirmation is null
            ? StepOutcome.Fail($"export restricted: {OrderBook.EmbargoedSku}")
            : new OrderConfirmed(confirmation));
    }
}

public sealed class GenerateInvoiceHandler(EffectLog effects) : IStepHandler<GenerateInvoice, InvoiceGenerated>
{
    public ValueTask<StepOutcome<InvoiceGenerated>> HandleAsync(GenerateInvoice command, StepContext context)
    {
        effects.AddOnce(context.IdempotencyKey, command.OrderId, "invoice-generated");
        return ValueTask.FromResult<StepOutcome<InvoiceGenerated>>(new InvoiceGenerated($"INV-{command.OrderId.ToString("N")[..8]}"));
    }
}

public sealed class SendConfirmationHandler(EffectLog effects) : IStepHandler<SendConfirmation, Done>
{
    public ValueTask<StepOutcome<Done>> HandleAsync(SendConfirmation command, StepContext context)
    {
        effects.AddOnce(context.IdempotencyKey, command.OrderId, "confirmation-sent");
        return ValueTask.FromResult<StepOutcome<Done>>(Done.Value);
    }
}

public sealed class UpdateCrmHandler(Crm crm) : IStepHandler<UpdateCrm, Done>
{
    public ValueTask<StepOutcome<Done>> HandleAsync(UpdateCrm command, StepContext context)
    {
        crm.Update(command.OrderId, command.CustomerId, context.Attempt, context.IdempotencyKey);
        return ValueTask.FromResult<StepOutcome<Done>>(Done.Value);
    }
}
