using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MassTransit;
using MassTransit.Serialization;
using Sagas.CloudEvents;
using Sagas.CloudEvents.Structured;
using Sagas.Contracts;

namespace Sagas.Serialization;

/// <summary>
/// MassTransit serializer and deserializer that put every message on the wire as a structured-mode
/// CloudEvents 1.0 JSON event (<c>application/cloudevents+json</c>).
/// </summary>
/// <remarks>
/// <para>Registered contracts travel with their CloudEvents <c>type</c> and <c>dataschema</c>; MassTransit's
/// own messages (faults and the like) travel with their <c>urn:message:MassTransit...</c> name as <c>type</c>;
/// any other type is refused at send time.
/// MassTransit's envelope fields ride along as extension attributes (<c>mtconversationid</c>,
/// <c>mtresponseaddress</c>, ...), the correlation id as <c>correlationid</c> and <c>subject</c>, the
/// <c>id</c> of the event being handled as <c>causationid</c>, and the current W3C trace as <c>traceparent</c>.</para>
/// <para>On receive, a plain CloudEvent from any producer is accepted when its <c>type</c> is a registered
/// contract. Decoding validates it: an unknown <c>type</c>, data that does not fit the contract or a
/// failed validator raise <see cref="CloudEventRejectedException"/> before any consumer runs, so MassTransit
/// moves the message to the endpoint's error queue with the reasons, without retrying it.</para>
/// </remarks>
public sealed class CloudEventsMessageSerializer : IMessageSerializer, IMessageDeserializer
{
    /// <summary>The content type of every message this serializer writes.</summary>
    public static readonly System.Net.Mime.ContentType CloudEventsContentType = new(CloudEventConverter.StructuredContentType);

    // MassTransit's own messages (faults and the like) travel with their message urn as type; nothing else
    // may bypass the contract registry and its validators.
    private const string MassTransitInternalPrefix = "urn:message:MassTransit";
    private static readonly JsonSerializerOptions EnvelopeOptions = SystemTextJsonMessageSerializer.Options;
    private readonly CloudEventConverter _converter;
    private readonly Uri _defaultSource;
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates the serializer.</summary>
    /// <param name="converter">Knows the contracts.</param>
    /// <param name="defaultSource">The <c>source</c> of messages sent from outside a receive endpoint.</param>
    /// <param name="timeProvider">The clock for the <c>time</c> attribute.</param>
    public CloudEventsMessageSerializer(CloudEventConverter converter, Uri defaultSource, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(converter);
        ArgumentNullException.ThrowIfNull(defaultSource);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _converter = converter;
        _defaultSource = defaultSource;
        _timeProvider = timeProvider;
    }

    /// <inheritdoc />
    public System.Net.Mime.ContentType ContentType => CloudEventsContentType;

    /// <inheritdoc />
    /// <remarks>The event is written in one pass, its data straight from the message: no CloudEvent object, no JSON value between.</remarks>
    public MessageBody GetMessageBody<T>(SendContext<T> context)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(context);
        var body = Write(context, _timeProvider.GetUtcNow(), Activity.Current);
        context.ContentType = CloudEventsContentType;
        return new BytesMessageBody(body);
    }

    /// <summary>
    /// The CloudEvent of <paramref name="context"/> as <see cref="GetMessageBody{T}"/> writes it, as of
    /// <paramref name="now"/> (its <c>time</c>) in the trace of <paramref name="activity"/>: also later than the send, for
    /// a body written when first read (<see cref="Outbox.OutboxMessage"/>).
    /// </summary>
    internal byte[] Write<T>(SendContext<T> context, DateTimeOffset now, Activity? activity)
        where T : class
    {
        var message = context.Message;
        var messageType = message.GetType();
        string type;
        Uri? dataSchema = null;
        var dataOptions = EnvelopeOptions;
        if (_converter.Registry.TryGet(messageType, out var contract))
        {
            type = contract.EventType;
            dataSchema = contract.DataSchema;
            dataOptions = _converter.JsonOptions;
        }
        else if (IsMassTransitMessage(messageType))
        {
            type = MessageUrn.ForTypeString(messageType);
        }
        else
        {
            throw new InvalidOperationException($"{messageType.FullName} is not a registered contract, so it cannot go on the wire as a CloudEvent: add [CloudEventContract(...)] to it and register it with AddContracts(c => c.Add<{messageType.Name}>()).");
        }

        var correlation = context.CorrelationId?.ToString();
        using var writer = _converter.StartStructured(
            (context.MessageId ?? NewId.NextGuid()).ToString(),
            context.SourceAddress ?? _defaultSource,
            type,
            dataSchema,
            correlation,
            now);
        writer.Extension(SagaAttributes.CorrelationId.Name, correlation);
        if (activity is { IdFormat: ActivityIdFormat.W3C } && TraceContext.IsValidTraceParent(activity.Id))
        {
            writer.Extension(SagaAttributes.TraceParent.Name, activity.Id);
            writer.Extension(SagaAttributes.TraceState.Name, string.IsNullOrEmpty(activity.TraceStateString) ? null : activity.TraceStateString);
        }

        writer.Extension("mtconversationid", context.ConversationId?.ToString());
        writer.Extension("mtrequestid", context.RequestId?.ToString());
        writer.Extension("mtresponseaddress", context.ResponseAddress?.ToString());
        writer.Extension("mtfaultaddress", context.FaultAddress?.ToString());
        if (context.TimeToLive is { } ttl)
        {
            writer.Extension("mtexpiration", (now + ttl).ToString("O", CultureInfo.InvariantCulture));
        }

        foreach (var header in context.Headers.GetAll())
        {
            if (IsValidAttributeName(header.Key))
            {
                writer.Extension(header.Key, header.Value switch
                {
                    null => null,
                    string s => s,
                    bool b => b ? "true" : "false",
                    IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                    var other => other.ToString(),
                });
            }
        }

        return writer.Finish(message, contract?.ClrType ?? messageType, dataOptions);
    }

    /// <inheritdoc />
    public void Probe(ProbeContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var scope = context.CreateScope("cloudevents");
        scope.Add("contentType", CloudEventsContentType.MediaType);
        scope.Add("contracts", _converter.Registry.Contracts.Count);
    }

    /// <inheritdoc />
    public ConsumeContext Deserialize(ReceiveContext receiveContext)
    {
        ArgumentNullException.ThrowIfNull(receiveContext);
        var serializerContext = Deserialize(receiveContext.Body, receiveContext.TransportHeaders, receiveContext.InputAddress);
        return new BodyConsumeContext(receiveContext, serializerContext);
    }

    /// <inheritdoc />
    public SerializerContext Deserialize(MessageBody body, Headers headers, Uri? destinationAddress = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        var structured = _converter.ReadStructured(body.GetBytes());
        var type = structured.Type;

        object message;
        Type? clrType;
        string[] messageTypes;
        if (type.StartsWith(MassTransitInternalPrefix, StringComparison.Ordinal))
        {
            clrType = null;
            message = MassTransitData(structured) ?? throw new CloudEventRejectedException(type, structured.Id, structured.SourceText, ["data of a MassTransit message must be a JSON object"]);
            messageTypes = [type];
        }
        else
        {
            var decoded = _converter.DecodeMessage(structured);
            clrType = decoded.Contract.ClrType;
            message = decoded.Message;
            messageTypes = [MessageUrn.ForTypeString(clrType)];
        }

        return new CloudEventSerializerContext(new CloudEventMessageContext(structured, destinationAddress), messageTypes, message, clrType);
    }

    /// <inheritdoc />
    public MessageBody GetMessageBody(string text) => new StringMessageBody(text);

    private static bool IsMassTransitMessage(Type type) => type.Namespace?.StartsWith("MassTransit", StringComparison.Ordinal) == true;

    private static bool IsValidAttributeName(string name)
        => name.Length <= 20 && AttributeText.IsValidName(name);

    /// <summary>The data of a MassTransit message (a fault, say) as MassTransit reads it: a JSON object, else null.</summary>
    private static JsonElement? MassTransitData(StructuredEvent structured)
    {
        if (structured.Decoded is { } cloudEvent)
        {
            return cloudEvent.Data as JsonElement?;
        }

        if (structured.Data.IsEmpty)
        {
            return null;
        }

        using var document = JsonDocument.Parse(structured.Data);
        return document.RootElement.Clone();
    }
}
