using System.Text;
using System.Text.Json;
using CloudNative.CloudEvents;
using Sagas.CloudEvents;
using Sagas.Contracts.Tests.Checkout;
using Sagas.Steps;

namespace Sagas.Contracts.Tests.CloudEvents;

/// <summary>
/// Decoding never trusts the producer: every event that cannot become a valid contract instance is rejected
/// with <see cref="CloudEventRejectedException"/>, naming the event and every reason.
/// </summary>
public class CloudEventDecodeTests
{
    private const string OrderSubmittedType = "com.example.checkout.order-submitted.v1";

    private readonly CloudEventConverter _converter = new(new ContractRegistry().AddCheckoutContracts().AddStepContracts());

    /// <summary>A valid order as a producer in any language would write it: camelCase members.</summary>
    private const string OrderData = """
        {"orderId":"5b1c7e0e-2d8f-4c55-9a43-0f3c2b1d9e77","customerId":"customer-42","lines":[{"sku":"SKU-1","quantity":2,"unitPrice":9.95}]}
        """;

    [Fact]
    public void Plain_cloudevent_from_a_non_dotnet_producer_decodes()
    {
        var json = $$"""
            {
                "specversion": "1.0",
                "type": "{{OrderSubmittedType}}",
                "source": "https://shop.example.com/storefront",
                "id": "8f2d1c9a-1111-4e0b-9c3e-2f7a0d6b5e41",
                "time": "2026-03-01T12:30:15.123Z",
                "correlationid": "order-5b1c7e0e",
                "data": {{OrderData}}
            }
            """;

        var decoded = _converter.Decode(_converter.DecodeStructured(Encoding.UTF8.GetBytes(json)));

        var order = Assert.IsType<OrderSubmitted>(decoded.Message);
        Assert.Equal(Guid.Parse("5b1c7e0e-2d8f-4c55-9a43-0f3c2b1d9e77"), order.OrderId);
        Assert.Equal("customer-42", order.CustomerId);
        Assert.Equal(new OrderLine("SKU-1", 2, 9.95m), Assert.Single(order.Lines));
        Assert.Null(order.Note);
        Assert.Equal("order-5b1c7e0e", decoded.CloudEvent[SagaAttributes.CorrelationId]);
    }

    [Fact]
    public void Step_reply_from_a_node_producer_decodes_to_step_failed()
    {
        var json = """
            {"specversion":"1.0","type":"dev.sagas.step.failed.v1","source":"urn:node:payments","id":"r-1",
             "subject":"5b1c7e0e-2d8f-4c55-9a43-0f3c2b1d9e77","datacontenttype":"application/json; charset=utf-8",
             "data":{"sagaId":"5b1c7e0e-2d8f-4c55-9a43-0f3c2b1d9e77","step":"charge-card","attempt":1,"compensation":false,"reason":"card declined","permanent":true}}
            """;

        var decoded = _converter.Decode(_converter.DecodeStructured(Encoding.UTF8.GetBytes(json)));

        Assert.Equal(new StepFailed(Guid.Parse("5b1c7e0e-2d8f-4c55-9a43-0f3c2b1d9e77"), "charge-card", 1, false, "card declined", true), decoded.Message);
    }

    [Fact]
    public void Unknown_data_members_are_ignored()
    {
        var data = OrderData.Replace("\"customerId\"", "\"loyaltyTier\":\"gold\",\"customerId\"", StringComparison.Ordinal);

        var decoded = _converter.Decode(Event(JsonElement.Parse(data)));

        Assert.Equal("customer-42", Assert.IsType<OrderSubmitted>(decoded.Message).CustomerId);
    }

    [Fact]
    public void Unknown_type_is_rejected_with_the_type_named()
    {
        var cloudEvent = Event(JsonElement.Parse(OrderData), type: "com.example.checkout.order-cancelled.v1");

        var rejected = Assert.Throws<CloudEventRejectedException>(() => _converter.Decode(cloudEvent));

        Assert.Equal("com.example.checkout.order-cancelled.v1", rejected.EventType);
        Assert.Equal("evt-1", rejected.EventId);
        Assert.Equal("/checkout/worker", rejected.EventSource);
        Assert.Contains("'com.example.checkout.order-cancelled.v1'", Assert.Single(rejected.Reasons), StringComparison.Ordinal);
        Assert.Contains("com.example.checkout.order-cancelled.v1", rejected.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Known_name_with_an_unknown_version_is_rejected()
    {
        var cloudEvent = Event(JsonElement.Parse(OrderData), type: "com.example.checkout.order-submitted.v2");

        var rejected = Assert.Throws<CloudEventRejectedException>(() => _converter.Decode(cloudEvent));

        Assert.Equal("com.example.checkout.order-submitted.v2", rejected.EventType);
    }

    [Fact]
    public void Type_is_matched_case_sensitively()
    {
        var cloudEvent = Event(JsonElement.Parse(OrderData), type: OrderSubmittedType.ToUpperInvariant());

        Assert.Throws<CloudEventRejectedException>(() => _converter.Decode(cloudEvent));
    }

    [Fact]
    public void Data_failing_validation_is_rejected_with_one_reason_per_failed_rule()
    {
        var data = """{"orderId":"00000000-0000-0000-0000-000000000000","customerId":"","lines":[{"sku":"SKU-1","quantity":0,"unitPrice":1}]}""";

        var rejected = Assert.Throws<CloudEventRejectedException>(() => _converter.Decode(Event(JsonElement.Parse(data))));

        Assert.Equal(OrderSubmittedType, rejected.EventType);
        Assert.Collection(
            rejected.Reasons,
            reason => Assert.StartsWith("OrderId: ", reason, StringComparison.Ordinal),
            reason => Assert.StartsWith("CustomerId: ", reason, StringComparison.Ordinal),
            reason => Assert.StartsWith("Lines[0].Quantity: ", reason, StringComparison.Ordinal));
    }

    [Fact]
    public void Missing_required_constructor_member_is_rejected_with_the_member_named()
    {
        var data = """{"orderId":"5b1c7e0e-2d8f-4c55-9a43-0f3c2b1d9e77","lines":[{"sku":"SKU-1","quantity":2,"unitPrice":9.95}]}""";

        var rejected = Assert.Throws<CloudEventRejectedException>(() => _converter.Decode(Event(JsonElement.Parse(data))));

        var reason = Assert.Single(rejected.Reasons);
        Assert.StartsWith($"data does not match contract {OrderSubmittedType}", reason, StringComparison.Ordinal);
        Assert.Contains("customerId", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Null_for_a_non_nullable_member_is_rejected()
    {
        var data = OrderData.Replace("\"customer-42\"", "null", StringComparison.Ordinal);

        var rejected = Assert.Throws<CloudEventRejectedException>(() => _converter.Decode(Event(JsonElement.Parse(data))));

        Assert.Contains("customerId", Assert.Single(rejected.Reasons), StringComparison.Ordinal);
    }

    [Fact]
    public void Member_of_the_wrong_json_type_is_rejected()
    {
        var data = OrderData.Replace("\"5b1c7e0e-2d8f-4c55-9a43-0f3c2b1d9e77\"", "\"not-a-guid\"", StringComparison.Ordinal);

        var rejected = Assert.Throws<CloudEventRejectedException>(() => _converter.Decode(Event(JsonElement.Parse(data))));

        Assert.Contains("orderId", Assert.Single(rejected.Reasons), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"{\\\"orderId\\\":\\\"5b1c7e0e-2d8f-4c55-9a43-0f3c2b1d9e77\\\"}\"", "STRING")]
    [InlineData("[{\"orderId\":\"5b1c7e0e-2d8f-4c55-9a43-0f3c2b1d9e77\"}]", "ARRAY")]
    [InlineData("42", "NUMBER")]
    [InlineData("true", "TRUE")]
    public void Data_that_is_not_a_json_object_is_rejected(string data, string kind)
    {
        var rejected = Assert.Throws<CloudEventRejectedException>(() => _converter.Decode(Event(JsonElement.Parse(data))));

        Assert.Contains($"data is a JSON {kind}, expected an object", Assert.Single(rejected.Reasons), StringComparison.Ordinal);
    }

    [Fact]
    public void Json_string_data_is_not_parsed_as_a_json_document()
    {
        // The JSON format (3.1.2): a JSON string in data MUST NOT be parsed further, even if it holds a JSON object.
        var json = $$"""{"specversion":"1.0","type":"{{OrderSubmittedType}}","source":"/x","id":"1","data":{{JsonSerializer.Serialize(OrderData)}}}""";

        Assert.Throws<CloudEventRejectedException>(() => _converter.Decode(_converter.DecodeStructured(Encoding.UTF8.GetBytes(json))));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("null")]
    public void Event_without_data_is_rejected(string? data)
    {
        var rejected = Assert.Throws<CloudEventRejectedException>(() => _converter.Decode(Event(data is null ? null : JsonElement.Parse(data))));

        Assert.Contains("no data", Assert.Single(rejected.Reasons), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/xml")]
    public void Non_json_datacontenttype_is_rejected(string contentType)
    {
        var cloudEvent = Event(OrderData, contentType: contentType);

        var rejected = Assert.Throws<CloudEventRejectedException>(() => _converter.Decode(cloudEvent));

        Assert.Contains($"datacontenttype is '{contentType}'", Assert.Single(rejected.Reasons), StringComparison.Ordinal);
    }

    [Fact]
    public void Binary_data_under_a_json_datacontenttype_is_read_as_json()
    {
        // In HTTP binary mode the SDK keeps a body whose media type is not exactly application/json as bytes.
        var cloudEvent = Event(Encoding.UTF8.GetBytes(OrderData), contentType: "application/vnd.example.order+json");

        var decoded = _converter.Decode(cloudEvent);

        Assert.Equal("customer-42", Assert.IsType<OrderSubmitted>(decoded.Message).CustomerId);
    }

    [Theory]
    [InlineData("[1,2]")]
    [InlineData("{\"orderId\":")]
    [InlineData("null")]
    public void Binary_data_that_is_not_a_valid_object_is_rejected(string body)
    {
        var cloudEvent = Event(Encoding.UTF8.GetBytes(body), contentType: "application/vnd.example.order+json");

        Assert.Throws<CloudEventRejectedException>(() => _converter.Decode(cloudEvent));
    }

    [Fact]
    public async Task Binary_mode_request_with_a_vendor_json_media_type_decodes()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "http://localhost/events") { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(OrderData)) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/vnd.example.order+json");
        request.Headers.TryAddWithoutValidation("ce-specversion", "1.0");
        request.Headers.TryAddWithoutValidation("ce-type", OrderSubmittedType);
        request.Headers.TryAddWithoutValidation("ce-source", "https://shop.example.com/storefront");
        request.Headers.TryAddWithoutValidation("ce-id", "1");

        var decoded = _converter.Decode(await _converter.FromHttpRequestAsync(request));

        Assert.Equal("customer-42", Assert.IsType<OrderSubmitted>(decoded.Message).CustomerId);
    }

    /// <summary>A charset the runtime cannot decode is the producer's fault: rejected, never an unexpected exception (UTF-7 is disabled in .NET).</summary>
    [Theory]
    [InlineData("text/plain; charset=bogus")]
    [InlineData("text/plain; charset=utf-7")]
    [InlineData("application/cloudevents+json; charset=utf-7")]
    public async Task Http_message_with_an_unsupported_charset_is_rejected(string contentType)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "http://localhost/events") { Content = new ByteArrayContent(Encoding.UTF8.GetBytes("{}")) };
        using var response = new HttpResponseMessage(System.Net.HttpStatusCode.OK) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes("{}")) };
        foreach (var headers in new System.Net.Http.Headers.HttpHeaders[] { request.Headers, response.Headers })
        {
            headers.TryAddWithoutValidation("ce-specversion", "1.0");
            headers.TryAddWithoutValidation("ce-type", OrderSubmittedType);
            headers.TryAddWithoutValidation("ce-source", "/x");
            headers.TryAddWithoutValidation("ce-id", "1");
        }

        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        response.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);

        await Assert.ThrowsAsync<CloudEventRejectedException>(() => _converter.FromHttpRequestAsync(request));
        await Assert.ThrowsAsync<CloudEventRejectedException>(() => _converter.FromHttpResponseAsync(response));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("{\"type\":\"com.example.x\",\"source\":\"/x\",\"id\":\"1\"}")]
    [InlineData("{\"specversion\":\"0.3\",\"type\":\"com.example.x\",\"source\":\"/x\",\"id\":\"1\"}")]
    [InlineData("{\"specversion\":\"1.0\",\"source\":\"/x\",\"id\":\"1\"}")]
    [InlineData("{\"specversion\":\"1.0\",\"type\":\"com.example.x\",\"source\":\"/x\",\"id\":\"\"}")]
    [InlineData("{\"specversion\":\"1.0\",\"type\":\"com.example.x\",\"source\":\"/x\",\"id\":\"1\",\"data\":{},\"data_base64\":\"AQI=\"}")]
    [InlineData("{\"specversion\":\"1.0\",\"type\":\"com.example.x\",\"source\":\"/x\",\"id\":\"1\",\"time\":\"yesterday\"}")]
    public void Malformed_structured_event_is_rejected(string json)
    {
        var rejected = Assert.Throws<CloudEventRejectedException>(() => _converter.DecodeStructured(Encoding.UTF8.GetBytes(json)));

        Assert.StartsWith("not a valid structured CloudEvent", Assert.Single(rejected.Reasons), StringComparison.Ordinal);
    }

    private static CloudEvent Event(object? data, string type = OrderSubmittedType, string? contentType = "application/json") => new(SagaAttributes.All)
    {
        Id = "evt-1",
        Source = new Uri("/checkout/worker", UriKind.Relative),
        Type = type,
        DataContentType = contentType,
        Data = data,
    };
}
