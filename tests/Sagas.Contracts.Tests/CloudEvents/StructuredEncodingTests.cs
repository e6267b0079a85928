using System.Net.Mime;
using System.Text;
using System.Text.Json;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.SystemTextJson;
using Sagas.CloudEvents;
using Sagas.Contracts.Tests.Checkout;
using Sagas.Contracts.Tests.Harness;

namespace Sagas.Contracts.Tests.CloudEvents;

/// <summary>
/// Sagas writes and reads structured mode with its own buffers; the JSON must stay byte for byte what the SDK's
/// <see cref="JsonEventFormatter"/> writes, and what the SDK writes must read back the same.
/// </summary>
public class StructuredEncodingTests
{
    private static readonly CloudEventAttribute Priority = CloudEventAttribute.CreateExtension("priority", CloudEventAttributeType.Integer);
    private static readonly CloudEventAttribute Urgent = CloudEventAttribute.CreateExtension("urgent", CloudEventAttributeType.Boolean);
    private static readonly CloudEventAttribute Callback = CloudEventAttribute.CreateExtension("callback", CloudEventAttributeType.Uri);

    private readonly CloudEventConverter _converter = new(new ContractRegistry().AddCheckoutContracts());

    // Not "xml text": the SDK refuses to write text data of a non-JSON type in structured mode (see the last test).
    public static TheoryData<string> Events => ["contract data", "json element data", "binary", "no data", "inferred content type", "typed extensions"];

    [Theory]
    [MemberData(nameof(Events))]
    public void Writes_the_same_json_as_the_sdk_formatter(string name)
    {
        var cloudEvent = Event(name);
        var sdk = new JsonEventFormatter(_converter.JsonOptions, default).EncodeStructuredModeMessage(cloudEvent, out _);

        var ours = _converter.EncodeStructured(cloudEvent);

        Assert.Equal(Encoding.UTF8.GetString(sdk.Span), Encoding.UTF8.GetString(ours.Span));
    }

    [Theory]
    [MemberData(nameof(Events))]
    public void Reads_what_the_sdk_formatter_wrote_as_the_sdk_reads_it(string name)
    {
        var cloudEvent = Event(name);
        var sdkFormatter = new JsonEventFormatter(_converter.JsonOptions, default);
        var body = sdkFormatter.EncodeStructuredModeMessage(cloudEvent, out _);
        var extensions = SagaAttributes.All.Concat([Priority, Urgent, Callback]).ToArray();

        var ours = _converter.Formatter.DecodeStructuredModeMessage(body, new ContentType(CloudEventConverter.StructuredContentType), extensions);
        var sdk = sdkFormatter.DecodeStructuredModeMessage(body, new ContentType(CloudEventConverter.StructuredContentType), extensions);

        Assert.Equal(Describe(sdk), Describe(ours));
    }

    [Fact]
    public void An_event_without_a_required_attribute_is_refused_as_the_sdk_refuses_it()
    {
        var cloudEvent = new CloudEvent { Id = "evt-1", Type = "com.example.x" }; // no source

        var error = Assert.Throws<ArgumentException>(() => _converter.EncodeStructured(cloudEvent));

        Assert.Contains("missing required attributes: source", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Encoding_on_one_thread_twice_in_a_row_gives_two_whole_events()
    {
        var first = _converter.EncodeStructured(Event("contract data")).ToArray();
        var second = _converter.EncodeStructured(Event("no data")).ToArray();

        Assert.Equal("evt-contract data", JsonDocument.Parse(first).RootElement.GetProperty("id").GetString());
        Assert.False(JsonDocument.Parse(second).RootElement.TryGetProperty("data", out _));
    }

    [Fact]
    public void Text_data_of_a_non_json_type_goes_as_a_json_string_and_reads_back_as_text()
    {
        var body = _converter.EncodeStructured(Event("xml text"));

        var read = _converter.DecodeStructured(body);

        Assert.Equal("<order id=\"1\"/>", JsonDocument.Parse(body).RootElement.GetProperty("data").GetString());
        Assert.Equal("<order id=\"1\"/>", read.Data);
        Assert.Equal("application/xml", read.DataContentType);
    }

    private CloudEvent Event(string name)
    {
        var cloudEvent = new CloudEvent(CloudEventsSpecVersion.V1_0, [Priority, Urgent, Callback])
        {
            Id = "evt-" + name,
            Source = new Uri("/checkout/worker", UriKind.Relative),
            Type = "com.example.checkout.order-submitted.v1",
            Time = new DateTimeOffset(2026, 3, 1, 12, 30, 15, 123, TimeSpan.FromHours(2)),
            Subject = "5b1c7e0e2d8f4c559a430f3c2b1d9e77",
        };
        switch (name)
        {
            case "contract data":
                cloudEvent = _converter.ToCloudEvent(CheckoutContracts.SampleOrder(), new EventMetadata { Id = "evt-" + name, Source = cloudEvent.Source!, Subject = cloudEvent.Subject, CorrelationId = "c-1" });
                break;
            case "json element data":
                cloudEvent.DataContentType = "application/json";
                cloudEvent.Data = JsonSerializer.SerializeToElement(new { amount = 12.5m, note = "é \"quoted\" <tag>" });
                break;
            case "xml text":
                cloudEvent.DataContentType = "application/xml";
                cloudEvent.Data = "<order id=\"1\"/>";
                break;
            case "binary":
                cloudEvent.DataContentType = "application/octet-stream";
                cloudEvent.Data = new byte[] { 0, 1, 2, 254, 255 };
                break;
            case "inferred content type":
                cloudEvent.Data = JsonSerializer.SerializeToElement(new[] { 1, 2, 3 });
                break;
            case "typed extensions":
                cloudEvent[Priority] = 7;
                cloudEvent[Urgent] = true;
                cloudEvent[Callback] = new Uri("https://example.com/hook?a=1&b=2");
                cloudEvent.DataSchema = new Uri("https://example.com/schemas/order.json");
                cloudEvent.DataContentType = "application/vnd.example+json";
                cloudEvent.Data = JsonSerializer.SerializeToElement(new { ok = true });
                break;
        }

        return cloudEvent;
    }

    private static string Describe(CloudEvent cloudEvent)
        => string.Join("\n", cloudEvent.GetPopulatedAttributes().Select(a => $"{a.Key.Name}={a.Key.Format(a.Value)}").Order(StringComparer.Ordinal))
            + "\ndata=" + cloudEvent.Data switch
            {
                JsonElement element => "json:" + element.GetRawText(),
                byte[] bytes => "bytes:" + Convert.ToBase64String(bytes),
                null => "null",
                var other => other.GetType().Name + ":" + other,
            };
}
