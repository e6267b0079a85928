using System.Collections.Concurrent;
using MassTransit;
using Sagas.Serialization;

namespace Sagas.Testing;

/// <summary>
/// What MassTransit was told of the deliveries: the faults, by the CloudEvents id of the event, and the deliveries the
/// inbox acknowledged as duplicates. Connect it to the bus.
/// </summary>
public sealed class ConsumeRecorder : IReceiveObserver
{
    private const string DuplicateConsumer = "sagas-inbox-duplicate"; // as the inbox/outbox filter reports a duplicate consumed
    private readonly ConcurrentDictionary<string, TaskCompletionSource<string>> _faults = new();
    private int _duplicates;

    /// <summary>The events a fault was told for.</summary>
    public IReadOnlyList<string> EventIds => [.. _faults.Keys];

    /// <summary>The fault's message for event <paramref name="eventId"/>, once told (10 s at most).</summary>
    public Task<string> ForAsync(string eventId) => Fault(eventId).Task.WaitAsync(TimeSpan.FromSeconds(10));

    /// <summary>Waits until the inbox acknowledged <paramref name="count"/> duplicates (30 s at most).</summary>
    public async Task WaitForDuplicatesAsync(int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (Volatile.Read(ref _duplicates) < count)
        {
            await Task.Delay(20, timeout.Token);
        }
    }

    public Task ConsumeFault<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType, Exception exception)
        where T : class
    {
        Fault(context.Headers.Get<string>(CloudEventHeaders.Id) ?? "?").TrySetResult(exception.GetBaseException().Message);
        return Task.CompletedTask;
    }

    public Task PostConsume<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType)
        where T : class
    {
        if (consumerType == DuplicateConsumer)
        {
            Interlocked.Increment(ref _duplicates);
        }

        return Task.CompletedTask;
    }

    public Task PreReceive(ReceiveContext context) => Task.CompletedTask;

    public Task PostReceive(ReceiveContext context) => Task.CompletedTask;

    public Task ReceiveFault(ReceiveContext context, Exception exception) => Task.CompletedTask;

    private TaskCompletionSource<string> Fault(string eventId)
        => _faults.GetOrAdd(eventId, _ => new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously));
}
