using System.Globalization;
using System.Text.Json;
using MassTransit;
using Microsoft.Extensions.Logging;
using Sagas.CloudEvents;

namespace Sagas.Steps;

/// <summary>
/// Runs an <see cref="IStepHandler{TCommand, TResult}"/> as a MassTransit consumer and replies to the saga
/// with <see cref="StepCompleted"/> or <see cref="StepFailed"/> (through the outbox, like any publish).
/// An exception from the handler is a transient failure; the saga decides about retrying it.
/// </summary>
internal sealed partial class StepConsumer<TCommand, TResult>(
    IStepHandler<TCommand, TResult> handler,
    CloudEventConverter converter,
    ILogger<StepConsumer<TCommand, TResult>> logger) : IConsumer<TCommand>
    where TCommand : class
{
    public async Task Consume(ConsumeContext<TCommand> context)
    {
        var sagaId = context.CorrelationId ?? throw Missing(context, "a saga id (CloudEvents 'subject' / 'correlationid')");
        var step = context.Headers.Get<string>(SagaAttributes.Step.Name) ?? throw Missing(context, $"the '{SagaAttributes.Step.Name}' attribute");
        var attemptText = context.Headers.Get<string>(SagaAttributes.Attempt.Name);
        if (!int.TryParse(attemptText, NumberStyles.None, CultureInfo.InvariantCulture, out var attempt) || attempt < 1)
        {
            throw Missing(context, $"a positive integer '{SagaAttributes.Attempt.Name}' attribute");
        }

        var compensation = string.Equals(context.Headers.Get<string>(SagaAttributes.Compensate.Name), "true", StringComparison.Ordinal);
        var stepContext = new StepContext(sagaId, step, attempt, compensation, context.CancellationToken);

        object reply;
        try
        {
            var outcome = await handler.HandleAsync(context.Message, stepContext).ConfigureAwait(false);
            reply = outcome.Succeeded
                ? new StepCompleted(sagaId, step, attempt, compensation, JsonSerializer.SerializeToElement(outcome.Result, converter.JsonOptions))
                : new StepFailed(sagaId, step, attempt, compensation, outcome.FailureReason!, Permanent: true);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !context.CancellationToken.IsCancellationRequested)
        {
            LogTransientFailure(logger, ex, step, sagaId, attempt);
            reply = new StepFailed(sagaId, step, attempt, compensation, $"{ex.GetType().Name}: {ex.Message}", Permanent: false);
        }

        await context.Publish(reply, reply.GetType(), Pipe.Execute<PublishContext>(p => p.CorrelationId = sagaId)).ConfigureAwait(false);
    }

    private static CloudEventRejectedException Missing(ConsumeContext context, string what)
        => new(
            typeof(TCommand).Name,
            context.Headers.Get<string>(Serialization.CloudEventHeaders.Id),
            context.Headers.Get<string>(Serialization.CloudEventHeaders.Source),
            [$"a step command needs {what}"]);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Step {Step} of saga {SagaId} failed on attempt {Attempt}")]
    private static partial void LogTransientFailure(ILogger logger, Exception exception, string step, Guid sagaId, int attempt);
}
