using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sagas.CloudEvents;
using Sagas.Contracts.Tests.Checkout;
using Sagas.Schema;

namespace Sagas.Contracts.Tests.Schema;

/// <summary>The JSON Schema exported for a contract is identified by its dataschema and titled by its type.</summary>
public class ContractSchemaTests
{
    private readonly ContractRegistry _registry = new ContractRegistry().AddCheckoutContracts();

    [Fact]
    public void Schema_is_draft_2020_12_with_id_the_dataschema_and_title_the_type()
    {
        var contract = _registry.Get(typeof(OrderSubmitted));

        var schema = ContractSchema.Export(contract);

        Assert.Equal(["$schema", "$id", "title"], schema.Select(p => p.Key).Take(3));
        Assert.Equal("https://json-schema.org/draft/2020-12/schema", (string?)schema["$schema"]);
        Assert.Equal("urn:sagas:schema:com.example.checkout.order-submitted.v1.json", (string?)schema["$id"]);
        Assert.Equal("com.example.checkout.order-submitted.v1", (string?)schema["title"]);
        Assert.Equal("object", (string?)schema["type"]);
    }

    [Fact]
    public void Required_members_are_the_constructor_parameters_without_a_default()
    {
        var schema = ContractSchema.Export(_registry.Get(typeof(OrderSubmitted)));

        Assert.Equal(["orderId", "customerId", "lines"], Strings(schema["required"]));
        Assert.Equal(["orderId", "customerId", "lines", "note"], schema["properties"]!.AsObject().Select(p => p.Key));
        Assert.Equal(["sku", "quantity", "unitPrice"], Strings(schema["properties"]!["lines"]!["items"]!["required"]));
    }

    [Fact]
    public void Nullable_member_allows_null_and_the_others_do_not()
    {
        var properties = ContractSchema.Export(_registry.Get(typeof(OrderSubmitted)))["properties"]!;

        Assert.Equal(["string", "null"], Strings(properties["note"]!["type"]));
        Assert.Equal("string", (string?)properties["customerId"]!["type"]);
        Assert.Equal("uuid", (string?)properties["orderId"]!["format"]);
    }

    [Fact]
    public void Member_names_follow_the_json_options_in_use()
    {
        var schema = ContractSchema.Export(_registry.Get(typeof(Ping)), new JsonSerializerOptions { RespectRequiredConstructorParameters = true });

        Assert.Equal(["Message"], schema["properties"]!.AsObject().Select(p => p.Key));
        Assert.Equal(["Message"], Strings(schema["required"]));
    }

    [Theory]
    [InlineData("urn:sagas:schema:")]
    [InlineData("https://schemas.example.com/")]
    [InlineData("https://schemas.example.com/shared%20contracts/")]
    public void Id_is_the_dataschema_exactly_as_written_on_the_wire(string schemaBaseUri)
    {
        var registry = new ContractRegistry(new ContractRegistryOptions { SchemaBaseUri = new Uri(schemaBaseUri) }).AddCheckoutContracts();
        var converter = new CloudEventConverter(registry);

        foreach (var (contract, message) in new (Type, object)[] { (typeof(Ping), new Ping("x")), (typeof(PaymentDeclined), new PaymentDeclined(Guid.NewGuid(), "r", PaymentMethod.Card)) })
        {
            var wire = converter.EncodeStructured(converter.ToCloudEvent(message, new EventMetadata { Id = "1", Source = new Uri("/x", UriKind.Relative) }));
            using var json = JsonDocument.Parse(wire);
            var dataSchema = json.RootElement.GetProperty("dataschema").GetString()!;

            Assert.Equal(dataSchema, (string?)ContractSchema.Export(registry.Get(contract))["$id"]);
            Assert.True(Uri.IsWellFormedUriString(dataSchema, UriKind.Absolute), $"dataschema '{dataSchema}' is not a well-formed absolute URI");
        }
    }

    [Fact]
    public void Text_is_indented_json_with_a_trailing_newline_that_reads_back_the_same()
    {
        var schema = ContractSchema.Export(_registry.Get(typeof(OrderSubmitted)));

        var text = ContractSchema.ToText(schema);

        Assert.EndsWith("}\n", text, StringComparison.Ordinal);
        Assert.StartsWith("{\n  \"$schema\": ", text.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.True(JsonNode.DeepEquals(schema, JsonNode.Parse(text)));
    }

    [Fact]
    public void Export_is_deterministic()
    {
        var contract = _registry.Get(typeof(OrderSubmitted));

        Assert.Equal(ContractSchema.ToText(ContractSchema.Export(contract)), ContractSchema.ToText(ContractSchema.Export(contract)));
    }

    [Fact]
    public void Exported_schema_compared_with_itself_has_no_breaking_changes()
    {
        var contract = _registry.Get(typeof(OrderSubmitted));

        Assert.Empty(SchemaCompatibility.FindBreakingChanges(ContractSchema.Export(contract), ContractSchema.Export(contract)));
    }

    [Fact]
    public void Adding_an_optional_member_to_a_record_is_compatible_and_removing_one_is_not()
    {
        var v1 = Export<OrderPlaced.Original>();
        var withGiftWrap = Export<OrderPlaced.WithOptionalGiftWrap>();
        var withoutNote = Export<OrderPlaced.WithoutNote>();

        Assert.Empty(SchemaCompatibility.FindBreakingChanges(v1, withGiftWrap));
        Assert.Equal(["$.note: property removed"], SchemaCompatibility.FindBreakingChanges(v1, withoutNote));
    }

    [Fact]
    public void Adding_a_required_member_to_a_record_is_breaking()
    {
        var changes = SchemaCompatibility.FindBreakingChanges(Export<OrderPlaced.Original>(), Export<OrderPlaced.WithRequiredChannel>());

        Assert.Equal(["$.channel: new required property"], changes);
    }

    private static JsonObject Export<T>()
        where T : class
        => ContractSchema.Export(new ContractRegistry().Add<T>().Get(typeof(T)));

    private static string[] Strings(JsonNode? array) => [.. array!.AsArray().Select(n => (string)n!)];

    /// <summary>Successive shapes of one contract version, as two builds of a service would declare it.</summary>
    public static class OrderPlaced
    {
        [CloudEventContract("com.example.checkout.order-placed", 1)]
        public sealed record Original(Guid OrderId, string? Note = null);

        [CloudEventContract("com.example.checkout.order-placed", 1)]
        public sealed record WithOptionalGiftWrap(Guid OrderId, string? Note = null, bool GiftWrap = false);

        [CloudEventContract("com.example.checkout.order-placed", 1)]
        public sealed record WithoutNote(Guid OrderId);

        [CloudEventContract("com.example.checkout.order-placed", 1)]
        public sealed record WithRequiredChannel(Guid OrderId, string Channel, string? Note = null);
    }
}
