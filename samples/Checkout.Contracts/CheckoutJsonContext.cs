using System.Text.Json.Serialization;

namespace Checkout.Contracts;

/// <summary>
/// Source-generated JSON metadata of the checkout contracts (added by <see cref="CheckoutContracts.AddCheckoutContracts"/>),
/// read and written with the contract settings: no reflection on the hot path, and a host can be published trimmed or
/// with Native AOT.
/// </summary>
[JsonSerializable(typeof(OrderSubmitted))]
[JsonSerializable(typeof(ReserveInventory))]
[JsonSerializable(typeof(InventoryReserved))]
[JsonSerializable(typeof(ReleaseInventory))]
[JsonSerializable(typeof(ChargePayment))]
[JsonSerializable(typeof(PaymentCharged))]
[JsonSerializable(typeof(RefundPayment))]
[JsonSerializable(typeof(ConfirmOrder))]
[JsonSerializable(typeof(OrderConfirmed))]
[JsonSerializable(typeof(GenerateInvoice))]
[JsonSerializable(typeof(InvoiceGenerated))]
[JsonSerializable(typeof(SendConfirmation))]
[JsonSerializable(typeof(UpdateCrm))]
[JsonSerializable(typeof(Sagas.Steps.Done))]
public sealed partial class CheckoutJsonContext : JsonSerializerContext;
