using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Sagas.Placement;
using Sagas.RabbitMq.Queues;

namespace Sagas.RabbitMq.Placement;

/// <summary>
/// The depth of the queues whose steps overflow at <see cref="StepOverflow.MaxQueueDepth"/>, sampled from the broker: a
/// queue asked about once is sampled every <see cref="RabbitMqSagasOptions.QueueDepthInterval"/> from then on (a passive
/// declare on a connection of its own, which counts the messages ready, not those delivered and unacknowledged), so a
/// placement reads the last sample without I/O. A failed sample makes the depth unknown until the next one succeeds (and
/// while the broker cannot be reached, every depth): an unknown depth neither sends a step away nor keeps it away.
/// </summary>
internal sealed class RabbitMqQueueDepths(RabbitMqSagasOptions options, TimeProvider time, ILogger<RabbitMqQueueDepths> logger) : IQueueDepths, IAsyncDisposable, IDisposable
{
    private readonly ConcurrentDictionary<string, int?> _depths = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private Task? _sampling;
    private readonly QueueProbe _probe = new(options, "queue depths", logger);
    private bool _disposed;

    public int? DepthOf(Uri inputAddress)
    {
        ArgumentNullException.ThrowIfNull(inputAddress);
        var queue = QueueProbe.QueueOf(inputAddress);
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
            await _probe.DisposeAsync().ConfigureAwait(false);
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
                // A failed declare (the queue is not declared yet, the broker cannot be reached) makes the depth unknown.
                foreach (var (queue, declared) in await _probe.DeclarePassiveAsync(_depths.Keys, stopping).ConfigureAwait(false))
                {
                    _depths[queue] = declared is null ? null : (int)Math.Min(declared.MessageCount, int.MaxValue);
                }
            }
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false));
        }
        catch (Exception) when (stopping.IsCancellationRequested)
        {
            // Disposed: whatever the connection threw on its way down.
        }
    }
}
