using System.Text;
using MassTransit;
using Microsoft.Extensions.Logging;
using Sagas.CloudEvents;
using Sagas.Diagnostics;
using Sagas.Serialization;

namespace Sagas.DeadLetters;

/// <summary>
/// Records every event rejected with <see cref="CloudEventRejectedException"/> (at deserialization or by a
/// step consumer) in the <see cref="IDeadLetterStore"/>; MassTransit moves the message itself to the
/// endpoint's error queue with the same reasons in its fault headers, and does not retry it.
/// </summary>
internal sealed partial class DeadLetterObserver(IDeadLetterStore store, TimeProvider timeProvider, ILogger<DeadLetterObserver> logger) : IReceiveObserver
{
    public Task PreReceive(ReceiveContext context) => Task.CompletedTask;

    public Task PostReceive(ReceiveContext context) => Task.CompletedTask;

    public Task PostConsume<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType)
        where T : class => Task.CompletedTask;

    public Task ConsumeFault<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType, Exception exception)
        where T : class => RecordAsync(context.ReceiveContext, exception);

    public Task ReceiveFault(ReceiveContext context, Exception exception) => RecordAsync(context, exception);

    private async Task RecordAsync(ReceiveContext context, Exception exception)
    {
        if (exception.GetBaseException() is not CloudEventRejectedException rejected)
        {
            return;
        }

        var endpoint = context.InputAddress.AbsolutePath.Trim('/');
        SagasDiagnostics.DeadLetters.Add(1, new KeyValuePair<string, object?>("endpoint", endpoint));
        LogDeadLettered(logger, rejected.EventType, rejected.EventId, endpoint, string.Join("; ", rejected.Reasons));
        var body = Encoding.UTF8.GetString(context.Body.GetBytes());
        var at = timeProvider.GetUtcNow();
        var contentType = context.ContentType?.MediaType ?? CloudEventsMessageSerializer.CloudEventsContentType.MediaType;
        await store.AddAsync(
            new DeadLetter(Guid.CreateVersion7(at), at, endpoint, rejected.EventId, rejected.EventType, rejected.EventSource, rejected.Reasons, contentType, body),
            CancellationToken.None).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dead-lettered event {EventType} id {EventId} at {Endpoint}: {Reasons}")]
    private static partial void LogDeadLettered(ILogger logger, string? eventType, string? eventId, string endpoint, string reasons);
}
