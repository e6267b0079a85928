using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Sagas.Marten.Schema;

namespace Sagas.Marten.Inbox;

/// <summary>Removes inbox records older than <see cref="SagasOptions.InboxRetention"/>, a batch per statement.</summary>
internal sealed partial class InboxCleanup(
    NpgsqlDataSource dataSource,
    SagasTables tables,
    MartenSagasOptions options,
    SagasOptions sagas,
    TimeProvider time,
    ILogger<InboxCleanup> logger) : BackgroundService
{
    /// <summary>Removes every expired record; returns how many.</summary>
    internal async Task<int> CleanAsync(CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow() - sagas.InboxRetention;
        var removed = 0;
        while (true)
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var delete = new NpgsqlCommand(
                $"delete from {tables.Inbox} where ctid in (select ctid from {tables.Inbox} where received_at < @cutoff limit @batch)",
                connection);
            delete.Parameters.AddWithValue("cutoff", cutoff);
            delete.Parameters.AddWithValue("batch", options.InboxCleanupBatchSize);
            var count = await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            removed += count;
            if (count < options.InboxCleanupBatchSize)
            {
                return removed;
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options.InboxCleanupInterval, time, stoppingToken).ConfigureAwait(false);
                await CleanAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogCleanupFailed(logger, ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Inbox cleanup failed; retrying at the next interval")]
    private static partial void LogCleanupFailed(ILogger logger, Exception exception);
}
