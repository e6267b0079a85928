using System.Collections.Concurrent;
using MassTransit;
using Sagas.Serialization;

namespace Sagas.Testing;

/// <summary>The exceptions consumers faulted with (as MassTransit was told), by the CloudEvents id of the event; connect it to the bus.</summary>
public sealed class FaultRecorder : IReceiveObserver
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<string>> _faults = new();

    public IReadOnlyList<string> EventIds => [.. _faults.Keys];

    public Task<string> ForAsync(string eventId) => Fault(eventId).Task.WaitAsync(TimeSpan.FromSeconds(10));

    public Task ConsumeFault<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType, Exception exception)
        where T : class
    {
        Fault(context.Headers.Get<string>(CloudEventHeaders.Id) ?? "?").TrySetResult(exception.GetBaseException().Message);
        return Task.CompletedTask;
    }

    private TaskCompletionSource<string> Fault(string eventId)
        => _faults.GetOrAdd(eventId, _ => new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously));

    public Task PreReceive(ReceiveContext context) => Task.CompletedTask;

    public Task PostReceive(ReceiveContext context) => Task.CompletedTask;

    public Task PostConsume<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType)
        where T : class => Task.CompletedTask;

    public Task ReceiveFault(ReceiveContext context, Exception exception) => Task.CompletedTask;
}
