#pragma warning disable IDE0130 // the namespace of the RabbitMQ transport's exception, which Sagas recognises by its full name
namespace MassTransit;
#pragma warning restore IDE0130

/// <summary>Stands in for the RabbitMQ transport's exception for a message the broker returned (no queue bound for it).</summary>
internal sealed class MessageReturnedException(string message) : Exception(message);
