using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Sagas.Marten.Schema;

namespace Sagas.Marten.Outbox;

/// <summary>
/// What wakes a relay: this process's own wake-ups, and <c>LISTEN/NOTIFY</c> between processes (one <c>NOTIFY</c> per burst,
/// sent after and outside any commit: PostgreSQL serializes notifying commits on one global lock held across the WAL flush).
/// Also knows when this process's relay looks again unwoken, so a commit wakes it only for a timer due before that.
/// </summary>
internal sealed partial class RelaySignal(
    NpgsqlDataSource dataSource,
    OutboxQueries queries,
    MartenSagasOptions options,
    TimeProvider time,
    ILogger<RelaySignal> logger) : BackgroundService
{
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Channel<bool> _notify = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private long _nextPassTicks = long.MaxValue; // UTC ticks; MaxValue while a pass runs (it may miss what commits meanwhile)

    /// <summary>Wakes this process's relay.</summary>
    public void Wake() => _wake.Writer.TryWrite(true);

    /// <summary>Wakes the relays of other processes too (a burst of calls sends one <c>NOTIFY</c>).</summary>
    public void NotifyAll() => _notify.Writer.TryWrite(true);

    /// <summary>
    /// Wakes this process's relay if a timer is due before it would look again anyway (its planned pass, and never later
    /// than <see cref="MartenSagasOptions.RelayPollInterval"/> from now): most timers are deadlines, due long after that.
    /// </summary>
    public void WakeForTimer(DateTimeOffset due, DateTimeOffset now)
    {
        var nextPass = Math.Min(Interlocked.Read(ref _nextPassTicks), (now + options.RelayPollInterval).UtcTicks);
        if (options.RunRelay && due > now && due.UtcTicks < nextPass)
        {
            Wake();
        }
    }

    /// <summary>Waits until woken or until <paramref name="wait"/> has passed; the relay's next pass starts then.</summary>
    public async Task WaitAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        Interlocked.Exchange(ref _nextPassTicks, (time.GetUtcNow() + wait).UtcTicks);
        if (wait > TimeSpan.Zero)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var delay = Task.Delay(wait, time, timeout.Token);
            var signal = _wake.Reader.WaitToReadAsync(timeout.Token).AsTask();
            await Task.WhenAny(delay, signal).ConfigureAwait(false);
            await timeout.CancelAsync().ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }

        _wake.Reader.TryRead(out _);
        Interlocked.Exchange(ref _nextPassTicks, long.MaxValue);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
        => options.RunRelay ? Task.WhenAll(NotifyAsync(stoppingToken), ListenAsync(stoppingToken)) : NotifyAsync(stoppingToken);

    private async Task NotifyAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (await _notify.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                _notify.Reader.TryRead(out _);
                try
                {
                    await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                    await using var notify = new NpgsqlCommand(queries.Notify, connection);
                    await notify.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogNotifyFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // stopping
        }
    }

    private async Task ListenAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                connection.Notification += (_, _) => Wake();
                await using (var listen = new NpgsqlCommand(queries.Listen, connection))
                {
                    await listen.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                Wake(); // whatever was committed while nobody listened
                while (!cancellationToken.IsCancellationRequested)
                {
                    await connection.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogListenFailed(logger, ex);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not notify other outbox relays; they will find the messages by polling")]
    private static partial void LogNotifyFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox relay lost its LISTEN connection; polling until it reconnects")]
    private static partial void LogListenFailed(ILogger logger, Exception exception);
}
