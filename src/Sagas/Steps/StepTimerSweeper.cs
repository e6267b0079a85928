using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sagas.Outbox;
using Sagas.Persistence;

namespace Sagas.Steps;

/// <summary>
/// Wakes sagas whose pending timer is overdue: every <see cref="SagasOptions.SweepInterval"/>, finds running sagas whose
/// <see cref="StepSagaState.WakeAt"/> is more than <see cref="SagasOptions.SweepGrace"/> in the past and sends each overdue
/// timer again, with the id and source of the original. If the original arrives after all, the saga's inbox drops one of
/// the two; if it was lost (a broker that came back empty, say), the copy moves the saga on. Together with step deadlines
/// (which re-ask a step whose command or reply was lost) this leaves no running saga without something that wakes it.
/// </summary>
/// <remarks>Runs in every process that runs the saga; copies sent by several processes are one event for the inbox.</remarks>
internal sealed partial class StepTimerSweeper<TState>(
    ISagaStore<TState> store,
    IBus bus,
    StepRuntime runtime,
    SagasOptions options,
    IEndpointNameFormatter endpointNames,
    ILogger<StepTimerSweeper<TState>> logger) : BackgroundService
    where TState : StepSagaState
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options.SweepInterval, runtime.TimeProvider, stoppingToken).ConfigureAwait(false);
                await SweepAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogSweepFailed(logger, ex, typeof(TState).Name); // the next sweep tries again
            }
        }
    }

    /// <summary>One sweep; returns how many timers it sent again.</summary>
    internal async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var cutoff = runtime.TimeProvider.GetUtcNow() - options.SweepGrace;
        var overdue = await store.QueryAsync(s => s.WakeAt != null && s.WakeAt < cutoff, cancellationToken).ConfigureAwait(false);
        var destination = SagaEndpoint(bus.Address, endpointNames.Saga<TState>());
        var sent = 0;
        foreach (var sagaId in overdue.Take(options.SweepBatchSize))
        {
            var loaded = await store.LoadAsync(sagaId, cancellationToken).ConfigureAwait(false);
            if (loaded is null)
            {
                continue;
            }

            foreach (var progress in loaded.State.Steps)
            {
                if (progress is not { TimerId: { } timerId, DueAt: { } dueAt } || dueAt >= cutoff || StepTimers.PendingOf(sagaId, progress) is not { } timer)
                {
                    continue;
                }

                var message = StepTimers.ToOutboxMessage(runtime, timer, timerId, destination, dueAt) with { DueTime = null };
                try
                {
                    await OutboxSender.SendAsync(bus, message, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    // Unroutable (the endpoint's queue is not back yet) or the broker is down: the next sweep sends it again.
                    LogResendFailed(logger, ex, timer.Kind, timer.Step, sagaId);
                    continue;
                }

                LogTimerResent(logger, timer.Kind, timer.Step, timer.Attempt, sagaId, dueAt);
                sent++;
            }
        }

        return sent;
    }

    /// <summary>
    /// The saga endpoint's own address on the bus's host (<c>rabbitmq://host/vhost/checkout-state</c>), where its timers go:
    /// a send there needs the endpoint's binding, and declares no queue. A <c>queue:</c> address would declare the queue
    /// with default arguments, and a broker that came back empty would then refuse the endpoint's own declaration (a
    /// quorum queue, say) for good.
    /// </summary>
    internal static Uri SagaEndpoint(Uri busAddress, string endpointName) => new(busAddress, endpointName);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The {Kind} timer of step {Step} (attempt {Attempt}) of saga {SagaId} was due at {DueAt} and has not arrived: sent again")]
    private static partial void LogTimerResent(ILogger logger, string kind, string step, int attempt, Guid sagaId, DateTimeOffset dueAt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sending the overdue {Kind} timer of step {Step} of saga {SagaId} again failed; the next sweep tries again")]
    private static partial void LogResendFailed(ILogger logger, Exception exception, string kind, string step, Guid sagaId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The sweep for overdue {Saga} timers failed; the next sweep tries again")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception, string saga);
}
