using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using Sagas.Placement;

namespace Sagas.RabbitMq.Placement;

/// <summary>
/// The depth of the queues whose steps overflow at <see cref="StepOverflow.MaxQueueDepth"/>, sampled from the broker: a
/// queue asked about once is sampled every <see cref="RabbitMqSagasOptions.QueueDepthInterval"/> from then on (a passive
/// declare on a connection of its own, which counts the messages ready, not those delivered and unacknowledged), so a
/// placement reads the last sample without I/O. A failed sample makes the depth unknown until the next one succeeds (and
/// while the broker cannot be reached, every depth): an unknown depth neither sends a step away nor keeps it away.
/// </summary>
internal sealed partial class RabbitMqQueueDepths(RabbitMqSagasOptions options, TimeProvider time, ILogger<RabbitMqQueueDepths> logger) : IQueueDepths, IAsyncDisposable, IDisposable
{
    private readonly ConcurrentDictionary<string, int?> _depths = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private Task? _sampling;
    private bool _disposed;
    private IConnection? _connection;
    private IChannel? _channel;

    public int? DepthOf(Uri inputAddress)
    {
        ArgumentNullException.ThrowIfNull(inputAddress);
        var queue = Uri.UnescapeDataString(inputAddress.Segments[^1]);
        if (_depths.TryGetValue(queue, out var depth))
        {
            return depth;
        }

        lock (_gate)
        {
            if (!_disposed)
            {
                _depths.TryAdd(queue, null);
                _sampling ??= Task.Run(() => SampleAsync(_stop.Token));
            }
        }

        return null;
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    public async ValueTask DisposeAsync()
    {
        Task? sampling;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            sampling = _sampling;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            if (sampling is not null)
            {
                await sampling.ConfigureAwait(false);
            }
        }
        finally
        {
            await CloseAsync().ConfigureAwait(false);
            _stop.Dispose();
        }
    }

    private async Task SampleAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(options.QueueDepthInterval, time);
        try
        {
            do
            {
                if (!await ConnectAsync(stopping).ConfigureAwait(false))
                {
                    foreach (var queue in _depths.Keys)
                    {
                        _depths[queue] = null; // the broker cannot be reached: no depth is known
                    }

                    continue;
                }

                foreach (var queue in _depths.Keys)
                {
                    _depths[queue] = await DepthAsync(queue, stopping).ConfigureAwait(false);
                }
            }
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false));
        }
        catch (Exception) when (stopping.IsCancellationRequested)
        {
            // Disposed: whatever the connection threw on its way down.
        }
    }

    /// <summary>Opens the connection if it is not open; false when the broker cannot be reached.</summary>
    private async Task<bool> ConnectAsync(CancellationToken stopping)
    {
        if (_connection is { IsOpen: true })
        {
            return true;
        }

        try
        {
            await CloseAsync().ConfigureAwait(false);
            var factory = new ConnectionFactory
            {
                Uri = AmqpUri(options.HostAddress),
                ClientProvidedName = $"{options.ConnectionName ?? "sagas"} queue depths",
                AutomaticRecoveryEnabled = false, // each round connects again while the broker is away
                RequestedConnectionTimeout = TimeSpan.FromSeconds(5),
            };
            _connection = await factory.CreateConnectionAsync(stopping).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (!stopping.IsCancellationRequested)
        {
            LogConnectFailed(logger, ex);
            return false;
        }
    }

    private async Task<int?> DepthAsync(string queue, CancellationToken stopping)
    {
        try
        {
            if (_channel is not { IsOpen: true })
            {
                // The broker closes a channel whose passive declare names a queue it does not have; the connection stays.
                if (_channel is not null)
                {
                    await _channel.DisposeAsync().ConfigureAwait(false);
                }

                _channel = await _connection!.CreateChannelAsync(cancellationToken: stopping).ConfigureAwait(false);
            }

            var declared = await _channel.QueueDeclarePassiveAsync(queue, stopping).ConfigureAwait(false);
            return (int)Math.Min(declared.MessageCount, int.MaxValue);
        }
        catch (Exception ex) when (!stopping.IsCancellationRequested)
        {
            LogSampleFailed(logger, ex, queue); // the queue is not declared yet or the connection dropped: unknown until the next sample
            return null;
        }
    }

    private async Task CloseAsync()
    {
        var (channel, connection) = (_channel, _connection);
        (_channel, _connection) = (null, null);
        try
        {
            if (channel is not null)
            {
                await channel.DisposeAsync().ConfigureAwait(false);
            }

            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            LogCloseFailed(logger, ex);
        }
    }

    /// <summary>MassTransit also takes <c>rabbitmq://</c>; the client takes <c>amqp://</c> only.</summary>
    private static Uri AmqpUri(Uri address) => address.Scheme switch
    {
        "rabbitmq" => new UriBuilder(address) { Scheme = "amqp" }.Uri,
        "rabbitmqs" => new UriBuilder(address) { Scheme = "amqps" }.Uri,
        _ => address,
    };

    [LoggerMessage(Level = LogLevel.Debug, Message = "Sampling the depth of queue {Queue} failed; it is unknown until the next sample")]
    private static partial void LogSampleFailed(ILogger logger, Exception exception, string queue);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Connecting to read queue depths failed; they are unknown until the broker can be reached")]
    private static partial void LogConnectFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Closing the queue-depth connection failed")]
    private static partial void LogCloseFailed(ILogger logger, Exception exception);
}
