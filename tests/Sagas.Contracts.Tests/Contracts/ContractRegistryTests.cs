using Sagas.Contracts.Tests.Checkout;
using Sagas.Steps;

namespace Sagas.Contracts.Tests.Contracts;

/// <summary>Registration fails early with a message that names the type and the problem.</summary>
public class ContractRegistryTests
{
    [Fact]
    public void Registered_contract_is_found_by_event_type_and_by_clr_type()
    {
        var registry = new ContractRegistry().Add(new OrderSubmittedValidator());

        Assert.True(registry.TryGet("com.example.checkout.order-submitted.v1", out var byType));
        Assert.True(registry.TryGet(typeof(OrderSubmitted), out var byClrType));
        Assert.Same(byType, byClrType);
        Assert.Same(byType, registry.Get(typeof(OrderSubmitted)));
        Assert.Equal(("com.example.checkout.order-submitted", 1, "com.example.checkout.order-submitted.v1"), (byType.Name, byType.Version, byType.EventType));
        Assert.IsType<OrderSubmittedValidator>(byType.Validator);
        Assert.Equal(byType, Assert.Single(registry.Contracts));
    }

    [Fact]
    public void Added_json_metadata_is_asked_before_reflection_in_the_order_it_was_added_and_once()
    {
        var first = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver();
        var second = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver();
        var registry = new ContractRegistry().Add<Ping>().AddJsonMetadata(first).AddJsonMetadata(second).AddJsonMetadata(first);

        var options = ContractJson.CreateOptions(registry);

        Assert.Equal([first, second], registry.JsonMetadata);
        Assert.Same(first, options.TypeInfoResolverChain[0]);
        Assert.Same(second, options.TypeInfoResolverChain[1]);
        Assert.Same(first, options.GetTypeInfo(typeof(Ping)).OriginatingResolver);
        Assert.Equal(options.TypeInfoResolverChain.Count, ContractJson.CreateOptions().TypeInfoResolverChain.Count + 2);
    }

    [Fact]
    public void Unregistered_clr_type_is_not_found_and_get_names_it()
    {
        var registry = new ContractRegistry().Add<Ping>();

        Assert.False(registry.TryGet(typeof(OrderSubmitted), out _));
        var error = Assert.Throws<InvalidOperationException>(() => registry.Get(typeof(OrderSubmitted)));
        Assert.Contains(typeof(OrderSubmitted).FullName!, error.Message, StringComparison.Ordinal);
        Assert.Contains("Add<OrderSubmitted>()", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Type_without_the_attribute_is_refused_with_the_type_named()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new ContractRegistry().Add<NotAContract>());

        Assert.Contains(typeof(NotAContract).FullName!, error.Message, StringComparison.Ordinal);
        Assert.Contains("is not a contract", error.Message, StringComparison.Ordinal);
        Assert.Contains("[CloudEventContract(", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(typeof(PascalCaseName), "OrderSubmitted")]
    [InlineData(typeof(NameWithoutDot), "ordersubmitted")]
    [InlineData(typeof(NameWithUpperCase), "com.Example.order-submitted")]
    [InlineData(typeof(NameWithEmptySegment), "com..example.order-submitted")]
    [InlineData(typeof(NameWithTrailingDot), "com.example.")]
    [InlineData(typeof(NameWithSpace), "com.example.order submitted")]
    [InlineData(typeof(EmptyName), "")]
    public void Name_that_is_not_lower_case_reverse_dns_is_refused_with_the_name_quoted(Type clrType, string name)
    {
        var error = Assert.Throws<InvalidOperationException>(() => new ContractRegistry().Add(clrType));

        Assert.Contains(clrType.FullName!, error.Message, StringComparison.Ordinal);
        Assert.Contains($"contract name '{name}' must be reverse-DNS", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(typeof(OrderSubmitted))]
    [InlineData(typeof(UnderscoreName))]
    [InlineData(typeof(DigitsInName))]
    public void Reverse_dns_names_are_accepted(Type clrType)
    {
        var registry = new ContractRegistry().Add(clrType);

        Assert.True(registry.TryGet(clrType, out _));
    }

    [Theory]
    [InlineData(typeof(VersionZero), 0)]
    [InlineData(typeof(NegativeVersion), -1)]
    public void Version_below_one_is_refused_with_the_version_named(Type clrType, int version)
    {
        var error = Assert.Throws<InvalidOperationException>(() => new ContractRegistry().Add(clrType));

        Assert.Contains(clrType.FullName!, error.Message, StringComparison.Ordinal);
        Assert.Contains($"version must be 1 or higher, got {version}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Same_event_type_declared_by_two_clr_types_is_refused_naming_both()
    {
        var registry = new ContractRegistry().Add<Duplicate.First>();

        var error = Assert.Throws<InvalidOperationException>(() => registry.Add<Duplicate.Second>());

        Assert.Contains("'com.example.duplicate.thing.v1'", error.Message, StringComparison.Ordinal);
        Assert.Contains(typeof(Duplicate.First).FullName!, error.Message, StringComparison.Ordinal);
        Assert.Contains(typeof(Duplicate.Second).FullName!, error.Message, StringComparison.Ordinal);
        Assert.Same(typeof(Duplicate.First), registry.Get(typeof(Duplicate.First)).ClrType);
        Assert.False(registry.TryGet(typeof(Duplicate.Second), out _));
    }

    [Fact]
    public void Same_name_with_another_version_is_a_separate_contract()
    {
        var registry = new ContractRegistry().Add<Duplicate.First>().Add<Duplicate.FirstV2>();

        Assert.Equal(2, registry.Contracts.Count);
        Assert.True(registry.TryGet("com.example.duplicate.thing.v2", out var v2));
        Assert.Same(typeof(Duplicate.FirstV2), v2.ClrType);
    }

    [Fact]
    public void Registering_twice_is_idempotent()
    {
        var validator = new OrderSubmittedValidator();
        var registry = new ContractRegistry().Add(validator);

        registry.Add(validator).Add<OrderSubmitted>();

        var contract = Assert.Single(registry.Contracts);
        Assert.Same(validator, contract.Validator);
        Assert.Same(contract, registry.Get(typeof(OrderSubmitted)));
    }

    [Fact]
    public void Validator_for_another_type_is_refused()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new ContractRegistry().Add(typeof(Ping), new OrderSubmittedValidator()));

        Assert.Contains(typeof(Ping).FullName!, error.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(OrderSubmittedValidator), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Contract_without_a_validator_accepts_every_instance()
    {
        var contract = new ContractRegistry().Add<Ping>().Get(typeof(Ping));

        Assert.Null(contract.Validator);
        Assert.True(contract.Validate(new Ping("")).IsValid);
    }

    [Fact]
    public void Relative_dataschema_on_the_attribute_is_refused()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new ContractRegistry().Add<RelativeDataSchema>());

        Assert.Contains("DataSchema 'schemas/thing.json' must be an absolute URI", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Relative_schema_base_uri_is_refused_with_the_setting_named()
    {
        var options = new ContractRegistryOptions { SchemaBaseUri = new Uri("schemas/", UriKind.Relative) };

        var error = Assert.Throws<ArgumentException>(() => new ContractRegistry(options));

        Assert.Equal("options", error.ParamName);
        Assert.Contains("ContractRegistryOptions.SchemaBaseUri must be an absolute URI", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("urn:sagas:schema:", "urn:sagas:schema:com.example.tests.ping.v1.json")]
    [InlineData("https://schemas.example.com/", "https://schemas.example.com/com.example.tests.ping.v1.json")]
    [InlineData("https://schemas.example.com/contracts/", "https://schemas.example.com/contracts/com.example.tests.ping.v1.json")]
    [InlineData("https://schemas.example.com/shared%20contracts/", "https://schemas.example.com/shared%20contracts/com.example.tests.ping.v1.json")]
    public void Derived_dataschema_is_the_base_uri_followed_by_the_type(string baseUri, string dataSchema)
    {
        var registry = new ContractRegistry(new ContractRegistryOptions { SchemaBaseUri = new Uri(baseUri) }).Add<Ping>();

        Assert.Equal(dataSchema, registry.Get(typeof(Ping)).DataSchema.OriginalString);
    }

    [Fact]
    public void Dataschema_on_the_attribute_wins_over_the_base_uri()
    {
        var registry = new ContractRegistry(new ContractRegistryOptions { SchemaBaseUri = new Uri("https://other.example.com/") }).Add<PaymentDeclined>();

        Assert.Equal(new Uri("https://schemas.example.com/payments/payment-declined-v2.json"), registry.Get(typeof(PaymentDeclined)).DataSchema);
    }

    [Fact]
    public void Step_contracts_register_with_their_validators()
    {
        var registry = new ContractRegistry().AddStepContracts();

        Assert.Equal(
            ["dev.sagas.step.completed.v1", "dev.sagas.step.failed.v1"],
            registry.Contracts.Select(c => c.EventType).Order(StringComparer.Ordinal));
        Assert.All(registry.Contracts, c => Assert.NotNull(c.Validator));
    }

    [Fact]
    public void Descriptor_reads_as_its_type_and_clr_type()
    {
        var contract = new ContractRegistry().Add<Ping>().Get(typeof(Ping));

        Assert.Equal("com.example.tests.ping.v1 (Ping)", contract.ToString());
    }

    public sealed record NotAContract(int Value);

    [CloudEventContract("OrderSubmitted", 1)]
    public sealed record PascalCaseName;

    [CloudEventContract("ordersubmitted", 1)]
    public sealed record NameWithoutDot;

    [CloudEventContract("com.Example.order-submitted", 1)]
    public sealed record NameWithUpperCase;

    [CloudEventContract("com..example.order-submitted", 1)]
    public sealed record NameWithEmptySegment;

    [CloudEventContract("com.example.", 1)]
    public sealed record NameWithTrailingDot;

    [CloudEventContract("com.example.order submitted", 1)]
    public sealed record NameWithSpace;

    [CloudEventContract("", 1)]
    public sealed record EmptyName;

    [CloudEventContract("com.github.pull_request.opened", 1)]
    public sealed record UnderscoreName;

    [CloudEventContract("com.example2.v2.thing-3", 1)]
    public sealed record DigitsInName;

    [CloudEventContract("com.example.versioned", 0)]
    public sealed record VersionZero;

    [CloudEventContract("com.example.versioned", -1)]
    public sealed record NegativeVersion;

    [CloudEventContract("com.example.thing", 1, DataSchema = "schemas/thing.json")]
    public sealed record RelativeDataSchema;

    public static class Duplicate
    {
        [CloudEventContract("com.example.duplicate.thing", 1)]
        public sealed record First;

        [CloudEventContract("com.example.duplicate.thing", 1)]
        public sealed record Second;

        [CloudEventContract("com.example.duplicate.thing", 2)]
        public sealed record FirstV2;
    }
}
