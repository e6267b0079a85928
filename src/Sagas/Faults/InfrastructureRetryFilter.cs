using MassTransit;
using MassTransit.Context;
using Microsoft.Extensions.Logging;

namespace Sagas.Faults;

/// <summary>
/// Waits out a fault of the infrastructure (<see cref="InfrastructureFaults.IsInfrastructure"/>) however long it lasts:
/// runs the rest of the consume pipe again after a backoff that doubles from about 100 ms to at most 15 s, until it
/// succeeds, fails otherwise, or the endpoint stops. The message never reaches an error queue for it.
/// </summary>
/// <remarks>
/// In front of the DI scope and the inbox/outbox filter, so each attempt is a fresh scope and a fresh transaction; a
/// retry also runs in a fresh payload scope. A delivery that succeeds the first time costs one call: no retry context
/// is built for it. Faults a handler reported for an attempt that is retried are not told (the inbox/outbox filter holds
/// them back), as MassTransit's message retry holds back the faults it retries.
/// </remarks>
internal sealed partial class InfrastructureRetryFilter<TMessage>(TimeProvider timeProvider, ILogger logger) : IFilter<ConsumeContext<TMessage>>
    where TMessage : class
{
    public void Probe(ProbeContext context) => context.CreateFilterScope("sagas-infrastructure-retry");

    public Task Send(ConsumeContext<TMessage> context, IPipe<ConsumeContext<TMessage>> next)
    {
        var attempt = next.Send(context);
        return attempt.IsCompletedSuccessfully ? Task.CompletedTask : RetryAsync(context, next, attempt);
    }

    private async Task RetryAsync(ConsumeContext<TMessage> context, IPipe<ConsumeContext<TMessage>> next, Task attempt)
    {
        for (var retry = 0; ; retry++)
        {
            try
            {
                await attempt.ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (InfrastructureFaults.IsInfrastructure(ex) && !context.CancellationToken.IsCancellationRequested)
            {
                var delay = InfrastructureBackoff.Delay(retry, context.MessageId ?? Guid.Empty);
                LogRetrying(logger, ex, typeof(TMessage).Name, context.MessageId, retry + 1, delay.TotalMilliseconds);
                await Task.Delay(delay, timeProvider, context.CancellationToken).ConfigureAwait(false);
            }

            attempt = next.Send(new ConsumeContextScope<TMessage>(context));
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Handling {MessageType} {MessageId} hit an infrastructure fault (attempt {Attempt}); retrying in {DelayMs:0} ms")]
    private static partial void LogRetrying(ILogger logger, Exception exception, string messageType, Guid? messageId, int attempt, double delayMs);
}
