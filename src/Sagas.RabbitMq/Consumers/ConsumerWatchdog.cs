using System.Collections.Concurrent;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sagas.RabbitMq.Queues;

namespace Sagas.RabbitMq.Consumers;

/// <summary>
/// Restarts a receive endpoint that MassTransit believes is consuming while the broker lists no consumer on its queue.
/// </summary>
/// <remarks>
/// Seen after a dropped connection under CPU load: sends reconnected, but the receive endpoints missed the drop and kept
/// the consumers of the dead connection, so nothing was consumed again until the process restarted (docs/faults.md).
/// Every <see cref="RabbitMqSagasOptions.ConsumerCheckInterval"/> each endpoint MassTransit reports ready is looked up on
/// the broker; one found without a consumer at two checks in a row, ready all along, is stopped and started again, which
/// consumes on the connection MassTransit has now. An endpoint MassTransit knows to be down (faulted, reconnecting,
/// stopping) is left to MassTransit; so is a queue the broker cannot tell about now. Consumers of other processes count
/// too: while another replica consumes a queue, its messages are not stuck.
/// </remarks>
internal sealed partial class ConsumerWatchdog(
    RabbitMqSagasOptions options,
    IQueueConsumers consumers,
    TimeProvider time,
    ILogger<ConsumerWatchdog> logger) : BackgroundService, IReceiveEndpointObserver
{
    /// <summary>Checks in a row that find no consumer before the endpoint is restarted.</summary>
    internal const int ChecksBeforeRestart = 2;

    private readonly ConcurrentDictionary<Uri, Watched> _ready = new();
    private readonly ConcurrentDictionary<Uri, bool> _restarting = new();

    public Task Ready(ReceiveEndpointReady ready)
    {
        if (!IsTemporary(ready.InputAddress))
        {
            _ready[ready.InputAddress] = new Watched(ready.ReceiveEndpoint, Misses: 0);
        }

        if (_restarting.TryRemove(ready.InputAddress, out _))
        {
            LogRestarted(logger, ready.InputAddress);
        }

        return Task.CompletedTask;
    }

    public Task Stopping(ReceiveEndpointStopping stopping) => Forget(stopping.InputAddress);

    public Task Completed(ReceiveEndpointCompleted completed) => Forget(completed.InputAddress);

    public Task Faulted(ReceiveEndpointFaulted faulted) => Forget(faulted.InputAddress);

    /// <summary>
    /// One round: looks each ready endpoint up on the broker and restarts those that lost their consumers, all at once (a
    /// stop waits for MassTransit to give up cancelling the lost consumers, 20 s each as seen here).
    /// </summary>
    internal async Task CheckAsync(CancellationToken cancellationToken)
    {
        var ready = _ready.Select(r => (Address: r.Key, Watched: r.Value, Queue: QueueProbe.QueueOf(r.Key))).ToList();
        if (ready.Count == 0)
        {
            return;
        }

        var counts = await consumers.CountAsync([.. ready.Select(r => r.Queue)], cancellationToken).ConfigureAwait(false);
        List<Task>? restarts = null;
        foreach (var (address, watched, queue) in ready)
        {
            var misses = counts.GetValueOrDefault(queue) switch
            {
                null => watched.Misses, // the broker cannot tell now: no evidence either way
                0 => watched.Misses + 1,
                _ => 0,
            };
            if (misses < ChecksBeforeRestart)
            {
                _ready.TryUpdate(address, watched with { Misses = misses }, watched); // unless it went down or up meanwhile
                continue;
            }

            if (_ready.TryRemove(new KeyValuePair<Uri, Watched>(address, watched)))
            {
                _restarting[address] = true;
                (restarts ??= []).Add(RestartAsync(watched.Endpoint, queue, cancellationToken));
            }
        }

        if (restarts is not null)
        {
            await Task.WhenAll(restarts).ConfigureAwait(false);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.ConsumerCheckInterval <= TimeSpan.Zero)
        {
            return;
        }

        using var timer = new PeriodicTimer(options.ConsumerCheckInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await CheckAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping
        }
    }

    private async Task RestartAsync(IReceiveEndpoint endpoint, string queue, CancellationToken cancellationToken)
    {
        LogRestarting(logger, queue, ChecksBeforeRestart);
        try
        {
            // Not cut short: an endpoint whose stop was cancelled stays started in MassTransit's eyes and cannot start again.
            // MassTransit's own timeouts end the cancel of the lost consumers.
            await endpoint.Stop(CancellationToken.None).ConfigureAwait(false);
            endpoint.Start(cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogRestartFailed(logger, ex, queue);
        }
    }

    private Task Forget(Uri inputAddress)
    {
        _ready.TryRemove(inputAddress, out _);
        return Task.CompletedTask;
    }

    // The bus's own reply queue, and other endpoints MassTransit deletes when the bus stops, belong to this process alone.
    private static bool IsTemporary(Uri inputAddress) => inputAddress.Query.Contains("temporary=true", StringComparison.OrdinalIgnoreCase);

    private sealed record Watched(IReceiveEndpoint Endpoint, int Misses);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The broker lists no consumer on queue {Queue} at {Checks} checks in a row while its receive endpoint is running: restarting the endpoint")]
    private static partial void LogRestarting(ILogger logger, string queue, int checks);

    [LoggerMessage(Level = LogLevel.Information, Message = "The receive endpoint {InputAddress} is running again")]
    private static partial void LogRestarted(ILogger logger, Uri inputAddress);

    [LoggerMessage(Level = LogLevel.Error, Message = "Restarting the receive endpoint of queue {Queue} failed; it stays as it is until the process restarts")]
    private static partial void LogRestartFailed(ILogger logger, Exception exception, string queue);
}
