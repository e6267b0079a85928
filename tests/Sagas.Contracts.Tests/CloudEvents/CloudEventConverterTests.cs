using System.Text;
using System.Text.Json;
using CloudNative.CloudEvents;
using Sagas.CloudEvents;
using Sagas.Contracts.Tests.Checkout;
using Sagas.Contracts.Tests.Harness;

namespace Sagas.Contracts.Tests.CloudEvents;

/// <summary>From a contract instance to a CloudEvent and back, in every mode.</summary>
public class CloudEventConverterTests
{
    private static readonly DateTimeOffset Time = new(2026, 3, 1, 12, 30, 15, TimeSpan.Zero);

    private readonly CloudEventConverter _converter = new(new ContractRegistry().AddCheckoutContracts());

    private static EventMetadata Metadata => new()
    {
        Id = "evt-1",
        Source = new Uri("/checkout/worker", UriKind.Relative),
        Subject = "5b1c7e0e2d8f4c559a430f3c2b1d9e77",
        Time = Time,
        CorrelationId = "5b1c7e0e2d8f4c559a430f3c2b1d9e77",
        CausationId = "evt-0",
    };

    [Fact]
    public void Type_is_the_contract_name_with_its_version()
    {
        var cloudEvent = _converter.ToCloudEvent(CheckoutContracts.SampleOrder(), Metadata);

        Assert.Equal("com.example.checkout.order-submitted.v1", cloudEvent.Type);
        Assert.Equal(CloudEventsSpecVersion.V1_0, cloudEvent.SpecVersion);
    }

    [Fact]
    public void Dataschema_is_derived_from_the_schema_base_uri_when_the_contract_names_none()
    {
        var cloudEvent = _converter.ToCloudEvent(CheckoutContracts.SampleOrder(), Metadata);

        Assert.Equal(new Uri("urn:sagas:schema:com.example.checkout.order-submitted.v1.json"), cloudEvent.DataSchema);
    }

    [Fact]
    public void Dataschema_is_the_contracts_own_when_it_names_one()
    {
        var cloudEvent = _converter.ToCloudEvent(new PaymentDeclined(Guid.NewGuid(), "card expired", PaymentMethod.Card), Metadata);

        Assert.Equal("com.example.payments.payment-declined.v2", cloudEvent.Type);
        Assert.Equal(new Uri("https://schemas.example.com/payments/payment-declined-v2.json"), cloudEvent.DataSchema);
    }

    [Fact]
    public void Metadata_becomes_id_source_subject_and_time()
    {
        var cloudEvent = _converter.ToCloudEvent(CheckoutContracts.SampleOrder(), Metadata);

        Assert.Equal("evt-1", cloudEvent.Id);
        Assert.Equal(new Uri("/checkout/worker", UriKind.Relative), cloudEvent.Source);
        Assert.Equal("5b1c7e0e2d8f4c559a430f3c2b1d9e77", cloudEvent.Subject);
        Assert.Equal(Time, cloudEvent.Time);
    }

    [Fact]
    public void Datacontenttype_is_application_json_and_data_is_a_camel_case_json_object()
    {
        var cloudEvent = _converter.ToCloudEvent(CheckoutContracts.SampleOrder(), Metadata);

        Assert.Equal("application/json", cloudEvent.DataContentType);
        var data = Assert.IsType<JsonElement>(cloudEvent.Data);
        Assert.Equal("customer-42", data.GetProperty("customerId").GetString());
        Assert.Equal(9.95m, data.GetProperty("lines")[0].GetProperty("unitPrice").GetDecimal());
    }

    [Fact]
    public void Correlation_and_causation_ids_become_extensions()
    {
        var cloudEvent = _converter.ToCloudEvent(CheckoutContracts.SampleOrder(), Metadata);

        Assert.Equal("5b1c7e0e2d8f4c559a430f3c2b1d9e77", cloudEvent[SagaAttributes.CorrelationId]);
        Assert.Equal("evt-0", cloudEvent[SagaAttributes.CausationId]);
    }

    [Fact]
    public void Absent_optional_metadata_leaves_its_attributes_unset()
    {
        var cloudEvent = _converter.ToCloudEvent(new Ping("hello"), new EventMetadata { Id = "1", Source = new Uri("/tests", UriKind.Relative) });

        Assert.Equal(
            ["datacontenttype", "dataschema", "id", "source", "specversion", "type"],
            CloudEventAssert.Attributes(cloudEvent).Keys);
    }

    [Fact]
    public void Further_extensions_are_written_with_their_types()
    {
        var metadata = Metadata with
        {
            Extensions = new Dictionary<string, object>
            {
                ["sagastep"] = "charge-card",
                ["sagaattempt"] = 3,
                ["sagacompensate"] = true,
                ["comexampletenant"] = "acme",
            },
        };

        var json = Encoding.UTF8.GetString(_converter.EncodeStructured(_converter.ToCloudEvent(new Ping("hello"), metadata)).Span);

        using var document = JsonDocument.Parse(json);
        Assert.Equal("charge-card", document.RootElement.GetProperty("sagastep").GetString());
        Assert.Equal(JsonValueKind.Number, document.RootElement.GetProperty("sagaattempt").ValueKind);
        Assert.Equal(3, document.RootElement.GetProperty("sagaattempt").GetInt32());
        Assert.Equal(JsonValueKind.True, document.RootElement.GetProperty("sagacompensate").ValueKind);
        Assert.Equal("acme", document.RootElement.GetProperty("comexampletenant").GetString());
    }

    [Fact]
    public void Unregistered_message_type_cannot_be_sent_and_the_error_names_it()
    {
        var error = Assert.Throws<InvalidOperationException>(() => _converter.ToCloudEvent(new Unregistered(1), Metadata));

        Assert.Contains(typeof(Unregistered).FullName!, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_returns_the_message_with_its_contract()
    {
        var order = CheckoutContracts.SampleOrder();

        var decoded = _converter.Decode(_converter.ToCloudEvent(order, Metadata));

        Assert.Equal(typeof(OrderSubmitted), decoded.Contract.ClrType);
        Assert.Equivalent(order, Assert.IsType<OrderSubmitted>(decoded.Message), strict: true);
    }

    [Fact]
    public void Message_survives_structured_mode()
    {
        var order = CheckoutContracts.SampleOrder();
        var sent = _converter.ToCloudEvent(order, Metadata);

        var received = _converter.DecodeStructured(_converter.EncodeStructured(sent));

        CloudEventAssert.Equivalent(sent, received);
        Assert.Equivalent(order, _converter.Decode(received).Message, strict: true);
    }

    [Theory]
    [InlineData(ContentMode.Binary)]
    [InlineData(ContentMode.Structured)]
    public async Task Message_and_saga_extensions_survive_http(ContentMode mode)
    {
        var order = CheckoutContracts.SampleOrder();
        var sent = _converter.ToCloudEvent(order, Metadata with
        {
            TraceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            TraceState = "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE",
            Extensions = new Dictionary<string, object> { ["sagastep"] = "reserve-stock", ["sagaattempt"] = 2, ["sagacompensate"] = false },
        });
        using var request = new HttpRequestMessage(HttpMethod.Post, "http://localhost/events") { Content = _converter.ToHttpContent(sent, mode) };

        var received = await _converter.FromHttpRequestAsync(request);

        CloudEventAssert.Equivalent(sent, received);
        Assert.Equal(2, received[SagaAttributes.Attempt]);
        Assert.Equal(false, received[SagaAttributes.Compensate]);
        Assert.Equivalent(order, _converter.Decode(received).Message, strict: true);
    }

    [Fact]
    public async Task Message_survives_an_http_response()
    {
        var sent = _converter.ToCloudEvent(new Ping("pong"), Metadata);
        using var response = new HttpResponseMessage(System.Net.HttpStatusCode.OK) { Content = _converter.ToHttpContent(sent, ContentMode.Binary) };

        var received = await _converter.FromHttpResponseAsync(response);

        Assert.Equal(new Ping("pong"), _converter.Decode(received).Message);
    }

    [Theory]
    [InlineData("application/json", true)]
    [InlineData("application/json; charset=utf-8", true)]
    [InlineData("APPLICATION/JSON", true)]
    [InlineData("text/json", true)]
    [InlineData("application/vnd.example.order+json", true)]
    [InlineData("application/cloudevents+json", true)]
    [InlineData(null, true)]
    [InlineData("application/xml", false)]
    [InlineData("text/plain", false)]
    [InlineData("application/jsonl", false)]
    [InlineData("application/json-seq", false)]
    public void Json_media_types_are_recognised_as_the_json_format_defines_them(string? contentType, bool isJson)
    {
        Assert.Equal(isJson, CloudEventConverter.IsJsonMediaType(contentType));
    }

    private sealed record Unregistered(int Value);
}
