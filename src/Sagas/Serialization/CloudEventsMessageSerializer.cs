using System.Diagnostics;
using System.Globalization;
using System.Net.Mime;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CloudNative.CloudEvents;
using MassTransit;
using MassTransit.Serialization;
using Sagas.CloudEvents;
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

    /// <summary>Builds the CloudEvent for an outgoing MassTransit message.</summary>
    public CloudEvent ToCloudEvent<T>(SendContext<T> context)
        where T : class
        => ToCloudEvent(context, serializeData: true);

    /// <inheritdoc />
    public MessageBody GetMessageBody<T>(SendContext<T> context)
        where T : class
    {
        // Encoded at once, so the data is written straight from the message, never through a JsonElement.
        var body = _converter.EncodeStructured(ToCloudEvent(context, serializeData: false));
        context.ContentType = CloudEventsContentType;
        return MessageBodies.Of(body);
    }

    private CloudEvent ToCloudEvent<T>(SendContext<T> context, bool serializeData)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(context);
        var message = context.Message;
        var correlation = context.CorrelationId?.ToString();
        var metadata = new EventMetadata
        {
            Id = (context.MessageId ?? NewId.NextGuid()).ToString(),
            Source = context.SourceAddress ?? _defaultSource,
            Subject = correlation,
            Time = _timeProvider.GetUtcNow(),
            CorrelationId = correlation,
            TraceParent = Activity.Current is { IdFormat: ActivityIdFormat.W3C } activity ? activity.Id : null,
            TraceState = Activity.Current?.TraceStateString,
        };

        CloudEvent cloudEvent;
        if (_converter.Registry.TryGet(message.GetType(), out _))
        {
            cloudEvent = _converter.ToCloudEvent(message, metadata, serializeData);
        }
        else if (!IsMassTransitMessage(message.GetType()))
        {
            throw new InvalidOperationException($"{message.GetType().FullName} is not a registered contract, so it cannot go on the wire as a CloudEvent: add [CloudEventContract(...)] to it and register it with AddContracts(c => c.Add<{message.GetType().Name}>()).");
        }
        else
        {
            cloudEvent = new CloudEvent(CloudEventsSpecVersion.V1_0, SagaAttributes.All)
            {
                Id = metadata.Id,
                Source = metadata.Source,
                Type = MessageUrn.ForTypeString(message.GetType()),
                Subject = metadata.Subject,
                Time = metadata.Time,
                DataContentType = MediaTypeNames.Application.Json,
                Data = JsonSerializer.SerializeToElement(message, message.GetType(), EnvelopeOptions),
            };
            CloudEventConverter.SetMetadataExtensions(cloudEvent, metadata);
        }

        SetEnvelopeExtensions(cloudEvent, context);
        return cloudEvent;
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
        var cloudEvent = _converter.DecodeStructured(body.GetBytes());
        var type = cloudEvent.Type!;

        object message;
        Type? clrType;
        string[] messageTypes;
        if (type.StartsWith(MassTransitInternalPrefix, StringComparison.Ordinal))
        {
            clrType = null;
            message = cloudEvent.Data is JsonElement element ? element : throw new CloudEventRejectedException(type, cloudEvent.Id, cloudEvent.Source?.ToString(), ["data of a MassTransit message must be a JSON object"]);
            messageTypes = [type];
        }
        else
        {
            var decoded = _converter.Decode(cloudEvent);
            clrType = decoded.Contract.ClrType;
            message = decoded.Message;
            messageTypes = [MessageUrn.ForTypeString(clrType)];
        }

        var envelope = ToEnvelope(cloudEvent, message, messageTypes, destinationAddress);
        var messageContext = new EnvelopeMessageContext(envelope, SystemTextJsonMessageSerializer.Instance);
        return new CloudEventSerializerContext(messageContext, envelope, messageTypes, message, clrType);
    }

    /// <inheritdoc />
    public MessageBody GetMessageBody(string text) => new StringMessageBody(text);

    private void SetEnvelopeExtensions<T>(CloudEvent cloudEvent, SendContext<T> context)
        where T : class
    {
        SetIfPresent(cloudEvent, "mtconversationid", context.ConversationId?.ToString());
        SetIfPresent(cloudEvent, "mtrequestid", context.RequestId?.ToString());
        SetIfPresent(cloudEvent, "mtresponseaddress", context.ResponseAddress?.ToString());
        SetIfPresent(cloudEvent, "mtfaultaddress", context.FaultAddress?.ToString());
        if (context.TimeToLive is { } ttl)
        {
            cloudEvent["mtexpiration"] = (_timeProvider.GetUtcNow() + ttl).ToString("O", CultureInfo.InvariantCulture);
        }

        foreach (var header in context.Headers.GetAll())
        {
            if (IsValidAttributeName(header.Key) && cloudEvent[header.Key] is null && header.Value is not null)
            {
                var text = header.Value switch
                {
                    string s => s,
                    bool b => b ? "true" : "false",
                    IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                    var other => other.ToString(),
                };
                if (text is not null)
                {
                    cloudEvent.SetAttributeFromString(header.Key, text);
                }
            }
        }
    }

    private static void SetIfPresent(CloudEvent cloudEvent, string name, string? value)
    {
        if (value is not null)
        {
            cloudEvent[name] = value;
        }
    }

    private static bool IsMassTransitMessage(Type type) => type.Namespace?.StartsWith("MassTransit", StringComparison.Ordinal) == true;

    private static bool IsValidAttributeName(string name)
        => name.Length is > 0 and <= 20 && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9'));

    private static JsonMessageEnvelope ToEnvelope(CloudEvent cloudEvent, object message, string[] messageTypes, Uri? destinationAddress)
    {
        var headers = new Dictionary<string, object?>(8, StringComparer.OrdinalIgnoreCase)
        {
            [CloudEventHeaders.Id] = cloudEvent.Id,
            [CloudEventHeaders.Source] = cloudEvent.Source?.ToString(),
            [CloudEventHeaders.Type] = cloudEvent.Type,
        };
        if (cloudEvent.Subject is not null)
        {
            headers[CloudEventHeaders.Subject] = cloudEvent.Subject;
        }

        foreach (var (attribute, value) in cloudEvent.GetPopulatedAttributes())
        {
            if (attribute.IsExtension && !attribute.Name.StartsWith("mt", StringComparison.Ordinal))
            {
                headers[attribute.Name] = value is string s ? s : attribute.Format(value);
            }
        }

        var correlation = cloudEvent[SagaAttributes.CorrelationId] as string ?? cloudEvent.Subject;
        return new JsonMessageEnvelope
        {
            MessageId = ToGuidString(cloudEvent.Source?.ToString() ?? string.Empty, cloudEvent.Id!),
            CorrelationId = Guid.TryParse(correlation, out var correlationId) ? correlationId.ToString() : null,
            ConversationId = cloudEvent["mtconversationid"] as string,
            InitiatorId = Guid.TryParse(cloudEvent[SagaAttributes.CausationId] as string, out var causation) ? causation.ToString() : null,
            RequestId = cloudEvent["mtrequestid"] as string,
            SourceAddress = cloudEvent.Source is { IsAbsoluteUri: true } source ? source.ToString() : null,
            DestinationAddress = destinationAddress?.ToString(),
            ResponseAddress = cloudEvent["mtresponseaddress"] as string,
            FaultAddress = cloudEvent["mtfaultaddress"] as string,
            ExpirationTime = DateTime.TryParse(cloudEvent["mtexpiration"] as string, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var expiration) ? expiration : null,
            SentTime = cloudEvent.Time?.UtcDateTime,
            MessageType = messageTypes,
            Message = message,
            Headers = headers!,
        };
    }

    /// <summary>The CloudEvents id as a Guid: itself when it is one, else a stable name-based UUID of source + id.</summary>
    private static string ToGuidString(string source, string id)
    {
        if (Guid.TryParse(id, out var guid))
        {
            return guid.ToString();
        }

        return NameBasedId.Create(source + "\n" + id).ToString();
    }
}
