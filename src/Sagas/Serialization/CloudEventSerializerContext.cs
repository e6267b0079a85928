using System.Diagnostics.CodeAnalysis;
using MassTransit;
using MassTransit.Serialization;

namespace Sagas.Serialization;

/// <summary>
/// MassTransit's System.Text.Json serializer context over a decoded CloudEvent: the contract instance is
/// already deserialized and validated, so it is handed out as is; MassTransit's JSON envelope of it is built only if
/// MassTransit asks to serialize the message again (<see cref="GetMessageSerializer()"/>).
/// </summary>
internal sealed class CloudEventSerializerContext(
    MessageContext messageContext,
    string[] messageTypes,
    object message,
    Type? clrType)
    : SystemTextJsonSerializerContext(
        SystemTextJsonMessageSerializer.Instance,
        SystemTextJsonMessageSerializer.Options,
        CloudEventsMessageSerializer.CloudEventsContentType,
        messageContext,
        messageTypes,
        envelope: null,
        message)
{
    public override IMessageSerializer GetMessageSerializer()
        => new SystemTextJsonBodyMessageSerializer(new JsonMessageEnvelope(this, _message, SupportedMessageTypes), ContentType, Options);

    public override bool IsSupportedMessageType(Type messageType)
        => clrType is null ? base.IsSupportedMessageType(messageType) : messageType.IsAssignableFrom(clrType);

    public override bool TryGetMessage<T>(out T? message)
        where T : class
    {
        if (clrType is not null)
        {
            message = _message as T;
            return message is not null;
        }

        return base.TryGetMessage(out message);
    }

    public override bool TryGetMessage(Type messageType, [NotNullWhen(true)] out object? message)
    {
        if (clrType is not null)
        {
            message = messageType.IsAssignableFrom(clrType) ? _message : null;
            return message is not null;
        }

        return base.TryGetMessage(messageType, out message);
    }

    private readonly object _message = message;
}
