using Checkout.Contracts;
using Checkout.Saga;
using Checkout.Simulation;
using Checkout.Steps;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Sagas;
using Sagas.Steps;

namespace Checkout;

/// <summary>Wires the checkout saga, its contracts and its step handlers into Sagas.</summary>
public static class CheckoutApplication
{
    /// <summary>Adds the checkout contracts, saga and in-process step handlers (with simulated back-ends).</summary>
    public static SagasBuilder AddCheckout(this SagasBuilder sagas)
    {
        ArgumentNullException.ThrowIfNull(sagas);
        sagas.Services.TryAddSingleton<CheckoutSettings>();
        sagas.Services.TryAddSingleton<EffectLog>();
        sagas.Services.TryAddSingleton<Warehouse>();
        sagas.Services.TryAddSingleton<PaymentGateway>();
        sagas.Services.TryAddSingleton<OrderBook>();
        sagas.Services.TryAddSingleton<Crm>();

        return sagas
            .AddContracts(contracts => contracts.AddCheckoutContracts())
            .AddSaga<CheckoutSaga, CheckoutState>()
            .AddStep<ReserveInventory, InventoryReserved, ReserveInventoryHandler>()
            .AddStep<ReleaseInventory, Done, ReleaseInventoryHandler>()
            .AddStep<ChargePayment, PaymentCharged, ChargePaymentHandler>()
            .AddStep<RefundPayment, Done, RefundPaymentHandler>()
            .AddStep<ConfirmOrder, OrderConfirmed, ConfirmOrderHandler>()
            .AddStep<GenerateInvoice, InvoiceGenerated, GenerateInvoiceHandler>()
            .AddStep<SendConfirmation, Done, SendConfirmationHandler>()
            .AddStep<UpdateCrm, Done, UpdateCrmHandler>();
    }
}
