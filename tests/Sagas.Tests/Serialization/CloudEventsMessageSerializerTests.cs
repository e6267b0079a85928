using System.Text;
using MassTransit;
using MassTransit.Serialization;
using Sagas.CloudEvents;
using Sagas.Contracts;
using Sagas.Serialization;

namespace Sagas.Tests.Serialization;

/// <summary>
/// An incoming event reads the same whether it has the plain shape (read in one pass) or another valid shape (read by the
/// CloudEvents SDK): the same message, the same MassTransit envelope fields, the same headers.
/// </summary>
public sealed class CloudEventsMessageSerializerTests
{
    private static readonly Guid SagaId = Guid.Parse("6f1c8a2e-8c8e-4a43-9d5c-6d3f0f5b8a11");
    private readonly CloudEventsMessageSerializer _serializer = new(
        new CloudEventConverter(new ContractRegistry().Add<Ping>()),
        new Uri("loopback://localhost/tests"),
        TimeProvider.System);

    // "application/json; charset=utf-8" is valid JSON data the one-pass reader leaves to the SDK.
    public static TheoryData<string> DataContentTypes => ["application/json", "application/json; charset=utf-8"];

    [Theory]
    [MemberData(nameof(DataContentTypes))]
    public void A_contract_event_reads_the_same_by_either_reader(string dataContentType)
    {
        var context = Read("com.example.tests.ping.v1", dataContentType, """{"sagaId":"6f1c8a2e-8c8e-4a43-9d5c-6d3f0f5b8a11","text":"hi"}""");

        Assert.True(context.TryGetMessage<Ping>(out var ping));
        Assert.Equal(new Ping(SagaId, "hi"), ping);
        AssertEnvelope(context);
    }

    [Theory]
    [MemberData(nameof(DataContentTypes))]
    public void A_MassTransit_message_reads_the_same_by_either_reader(string dataContentType)
    {
        var faultId = Guid.NewGuid();
        var context = Read("urn:message:MassTransit:Fault", dataContentType, $$"""{"faultId":"{{faultId}}","exceptions":[],"faultMessageTypes":[]}""");

        Assert.Equal(["urn:message:MassTransit:Fault"], context.SupportedMessageTypes);
        Assert.True(context.TryGetMessage<Fault>(out var fault));
        Assert.Equal(faultId, fault!.FaultId);
        AssertEnvelope(context);
    }

    [Theory]
    [MemberData(nameof(DataContentTypes))]
    public void A_MassTransit_message_without_data_is_refused_by_either_reader(string dataContentType)
    {
        var refused = Assert.Throws<CloudEventRejectedException>(() => Read("urn:message:MassTransit:Fault", dataContentType, "null"));

        Assert.Contains("must be a JSON object", refused.Message, StringComparison.Ordinal);
    }

    private SerializerContext Read(string type, string dataContentType, string data)
    {
        var body = $$"""
            {"specversion":"1.0","id":"e-1","source":"loopback://localhost/orders","type":"{{type}}","subject":"{{SagaId}}",
             "time":"2026-12-03T05:30:59Z","datacontenttype":"{{dataContentType}}","correlationid":"{{SagaId}}","sagastep":"Reserve",
             "sagaattempt":2,"mtconversationid":"c-1","data":{{data}}}
            """;
        return _serializer.Deserialize(new BytesMessageBody(Encoding.UTF8.GetBytes(body)), new DictionarySendHeaders());
    }

    private static void AssertEnvelope(SerializerContext context)
    {
        Assert.Equal(SagaId, context.CorrelationId);
        Assert.Equal(NameBasedId.Create("loopback://localhost/orders\ne-1"), context.MessageId);
        Assert.Equal(new Uri("loopback://localhost/orders"), context.SourceAddress);
        Assert.Equal(new DateTime(2026, 12, 3, 5, 30, 59, DateTimeKind.Utc), context.SentTime);
        Assert.Equal("e-1", context.Headers.Get<string>(CloudEventHeaders.Id));
        Assert.Equal("loopback://localhost/orders", context.Headers.Get<string>(CloudEventHeaders.Source));
        Assert.Equal(SagaId.ToString(), context.Headers.Get<string>(CloudEventHeaders.Subject));
        Assert.Equal("Reserve", context.Headers.Get<string>("sagastep"));
        Assert.Equal("2", context.Headers.Get<string>("sagaattempt"));
        Assert.Null(context.Headers.Get<string>("mtconversationid")); // envelope fields are not headers
        Assert.Null(context.ConversationId); // "c-1" is no Guid: another producer's attribute of that name, not MassTransit's id
        Assert.Equal(2, context.Headers.Get<int>("SAGAATTEMPT")); // names without regard to case, values converted on read
    }

    [Fact]
    public void A_message_read_can_be_serialized_again_by_MassTransit_with_its_envelope()
    {
        var context = Read("com.example.tests.ping.v1", "application/json", """{"sagaId":"6f1c8a2e-8c8e-4a43-9d5c-6d3f0f5b8a11","text":"hi"}""");

        var body = context.GetMessageSerializer().GetMessageBody(new MassTransit.Context.MessageSendContext<Ping>(new Ping(SagaId, "hi"))).GetString();

        Assert.Contains(SagaId.ToString(), body, StringComparison.Ordinal);
        Assert.True(body.Contains("sagastep", StringComparison.Ordinal), body);
    }

    [CloudEventContract("com.example.tests.ping", 1)]
    public sealed record Ping(Guid SagaId, string Text);
}
