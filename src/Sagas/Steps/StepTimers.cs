using MassTransit;
using Sagas.CloudEvents;
using Sagas.Outbox;

namespace Sagas.Steps;

/// <summary>
/// The timers of the step engine: a <see cref="StepTimerElapsed"/> CloudEvent with a due time, sent to the saga's own
/// endpoint. Its CloudEvents <c>id</c> is the timer id the saga keeps (<see cref="StepProgress.TimerId"/>)
/// and its <c>source</c> the application's, so a copy of a timer (re-sent by <see cref="StepTimerSweeper{TState}"/>) is
/// the same event for the saga's inbox.
/// </summary>
internal static class StepTimers
{
    /// <summary>
    /// Addresses a timer's delayed send from a transition: the timer id as message id (the CloudEvents <c>id</c>), the
    /// application's <c>source</c>, the saga as correlation, and the delay until it is due, which the outbox capture turns
    /// into the message's due time.
    /// </summary>
    public static void Address(SendContext<StepTimerElapsed> context, StepRuntime runtime, Guid timerId, DateTimeOffset dueAt)
    {
        context.MessageId = timerId;
        context.CorrelationId = context.Message.SagaId;
        context.SourceAddress = runtime.Source;
        context.Delay = dueAt - runtime.TimeProvider.GetUtcNow();
    }

    /// <summary>A copy of a timer, built outside any transition (the sweep's re-send): the same event as the timer itself.</summary>
    public static OutboxMessage ToOutboxMessage(StepRuntime runtime, StepTimerElapsed timer, Guid timerId, Uri destination, DateTimeOffset dueAt)
    {
        var sagaId = timer.SagaId.ToString();
        var cloudEvent = runtime.Converter.ToCloudEvent(timer, new EventMetadata
        {
            Id = timerId.ToString(),
            Source = runtime.Source,
            Subject = sagaId,
            CorrelationId = sagaId,
            Time = runtime.TimeProvider.GetUtcNow(),
        });
        return new OutboxMessage
        {
            Id = timerId,
            Destination = destination,
            ContentType = CloudEventConverter.StructuredContentType,
            Body = runtime.Converter.EncodeStructured(cloudEvent),
            SagaId = timer.SagaId,
            DueTime = dueAt,
        };
    }

    /// <summary>The timer <paramref name="progress"/> waits on, rebuilt from the saga's state; <see langword="null"/> when it waits on none.</summary>
    public static StepTimerElapsed? PendingOf(Guid sagaId, StepProgress progress) => progress.TimerId is null ? null : progress.Status switch
    {
        StepStatus.Running => new StepTimerElapsed(sagaId, progress.Name, progress.Attempt, Compensation: false, StepTimerElapsed.Deadline),
        StepStatus.Compensating => new StepTimerElapsed(sagaId, progress.Name, progress.Attempt, Compensation: true, StepTimerElapsed.Deadline),
        StepStatus.WaitingRetry => new StepTimerElapsed(sagaId, progress.Name, progress.Attempt, Compensation: false, StepTimerElapsed.Retry),
        StepStatus.CompensationWaitingRetry => new StepTimerElapsed(sagaId, progress.Name, progress.Attempt, Compensation: true, StepTimerElapsed.Retry),
        _ => null,
    };
}
