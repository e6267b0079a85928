using System.Collections.Concurrent;
using MassTransit;

namespace Sagas.Testing;

/// <summary>What the bus's receive endpoints took from their queues, as it came off the wire: content type and body. Connect it to the bus.</summary>
public sealed class WireTap : IReceiveObserver
{
    /// <summary>Every message received, in the order received.</summary>
    public ConcurrentQueue<(string ContentType, string Body)> Received { get; } = new();

    public Task PreReceive(ReceiveContext context)
    {
        Received.Enqueue((context.ContentType?.MediaType ?? string.Empty, System.Text.Encoding.UTF8.GetString(context.Body.GetBytes())));
        return Task.CompletedTask;
    }

    public Task PostReceive(ReceiveContext context) => Task.CompletedTask;

    public Task PostConsume<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType)
        where T : class => Task.CompletedTask;

    public Task ConsumeFault<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType, Exception exception)
        where T : class => Task.CompletedTask;

    public Task ReceiveFault(ReceiveContext context, Exception exception) => Task.CompletedTask;
}
