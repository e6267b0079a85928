using MassTransit;

namespace Sagas.Serialization;

/// <summary>Registers <see cref="CloudEventsMessageSerializer"/> with a MassTransit bus.</summary>
internal sealed class CloudEventsSerializerFactory(CloudEventsMessageSerializer serializer) : ISerializerFactory
{
    public System.Net.Mime.ContentType ContentType => CloudEventsMessageSerializer.CloudEventsContentType;

    public IMessageSerializer CreateSerializer() => serializer;

    public IMessageDeserializer CreateDeserializer() => serializer;
}
