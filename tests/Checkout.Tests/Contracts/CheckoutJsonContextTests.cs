using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Checkout.Contracts;
using Sagas.CloudEvents;
using Sagas.Contracts;
using Sagas.Steps;

namespace Checkout.Tests.Contracts;

/// <summary>The checkout contracts' generated metadata is what the converter uses, and reads and writes exactly as reflection would.</summary>
public sealed class CheckoutJsonContextTests
{
    private static readonly OrderLine[] Lines = [new("SKU-BOOK", 2, 12.5m), new("SKU-PEN", 1, 1.25m)];
    private static readonly JsonSerializerOptions Generated = new CloudEventConverter(new ContractRegistry().AddCheckoutContracts()).JsonOptions;

    public static TheoryData<object> Contracts => new()
    {
        new OrderSubmitted(Guid.NewGuid(), "c-1", "c-1@example.com", "tok_visa", Lines),
        new ReserveInventory(Guid.NewGuid(), Lines),
        new InventoryReserved("res-1"),
        new ReleaseInventory(Guid.NewGuid(), null),
        new ChargePayment(Guid.NewGuid(), "c-1", "tok_visa", 26.25m),
        new PaymentCharged("pay-1"),
        new RefundPayment(Guid.NewGuid(), "pay-1", 26.25m),
        new ConfirmOrder(Guid.NewGuid(), Lines),
        new OrderConfirmed("CONF-1"),
        new GenerateInvoice(Guid.NewGuid(), "c-1", Lines, 26.25m),
        new InvoiceGenerated("INV-1"),
        new SendConfirmation(Guid.NewGuid(), "c-1@example.com", "CONF-1"),
        new UpdateCrm(Guid.NewGuid(), "c-1", 26.25m),
        Done.Value,
    };

    [Theory]
    [MemberData(nameof(Contracts))]
    public void A_contract_is_written_by_the_generated_metadata_as_reflection_writes_it(object contract)
    {
        var reflection = ContractJson.CreateOptions();
        reflection.TypeInfoResolver = new DefaultJsonTypeInfoResolver();

        var generated = JsonSerializer.Serialize(contract, contract.GetType(), Generated);

        Assert.Same(CheckoutJsonContext.Default, Generated.GetTypeInfo(contract.GetType()).OriginatingResolver);
        Assert.Equal(JsonSerializer.Serialize(contract, contract.GetType(), reflection), generated);
        Assert.Equal(generated, JsonSerializer.Serialize(JsonSerializer.Deserialize(generated, contract.GetType(), Generated), contract.GetType(), reflection));
    }

    [Theory]
    [InlineData("""{"customerId":"c-1","lines":[],"total":1}""", "orderId")]
    [InlineData("""{"orderId":"6f1c8a2e-8c8e-4a43-9d5c-6d3f0f5b8a11","customerId":null,"lines":[],"total":1}""", "customerId")]
    [InlineData("""{"orderId":"6f1c8a2e-8c8e-4a43-9d5c-6d3f0f5b8a11","customerId":"c-1","lines":[],"total":"1"}""", "total")]
    public void A_command_missing_or_mistyping_a_member_is_refused_as_reflection_refuses_it(string json, string member)
    {
        var reflection = ContractJson.CreateOptions();
        reflection.TypeInfoResolver = new DefaultJsonTypeInfoResolver();

        var generated = Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize<GenerateInvoice>(json, Generated));
        Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize<GenerateInvoice>(json, reflection));

        Assert.Contains(member, generated.Message + generated.Path, StringComparison.OrdinalIgnoreCase);
    }
}
