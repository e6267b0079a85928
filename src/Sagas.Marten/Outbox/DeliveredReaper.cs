using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sagas.Marten.Persistence.Groups;
using Sagas.Marten.Persistence.Parts;
using Sagas.Marten.Schema;

namespace Sagas.Marten.Outbox;

/// <summary>
/// Deletes the rows the fast path delivered, many per statement: it gathers ids for a moment after the first, then deletes
/// them as one part of a commit group, so the deletes cost no transaction of their own. An event kept until a consumer
/// records it (<see cref="MartenSagasOptions.KeepsUntilConfirmed"/>) is not deleted but due for its check after
/// <see cref="MartenSagasOptions.UnconfirmedResendDelay"/>. A row it fails to finish is taken over by a relay after
/// <see cref="MartenSagasOptions.RelayTakeoverDelay"/> and sent again; receivers drop the copy.
/// </summary>
internal sealed partial class DeliveredReaper(CommitGroups groups, SagasTables tables, MartenSagasOptions options, TimeProvider time, ILogger<DeliveredReaper> logger) : BackgroundService
{
    // Each delete costs PostgreSQL about as much as a commit; rows are taken over only after the takeover delay.
    private static readonly TimeSpan Gathering = TimeSpan.FromMilliseconds(10);
    private const int Chunk = 1000;
    private readonly Channel<(Guid Id, bool Keep)> _delivered = Channel.CreateUnbounded<(Guid, bool)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly DeliveredPart.Statement _statement = new(tables);

    /// <summary>Marks a message delivered; its row is deleted (or, when <paramref name="keep"/>, kept for its check) shortly.</summary>
    public void Delivered(Guid messageId, bool keep = false) => _delivered.Writer.TryWrite((messageId, keep));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var ids = new List<(Guid Id, bool Keep)>();
        try
        {
            while (await _delivered.Reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                await Task.Delay(Gathering, stoppingToken).ConfigureAwait(false); // the machine's clock: batching, not business time
                await DeleteAsync(ids, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            await DeleteAsync(ids, CancellationToken.None).ConfigureAwait(false); // what was delivered before stopping
        }
    }

    private async Task DeleteAsync(List<(Guid Id, bool Keep)> ids, CancellationToken cancellationToken)
    {
        while (_delivered.Reader.TryRead(out var id))
        {
            ids.Add(id);
        }

        if (ids.Count == 0)
        {
            return;
        }

        try
        {
            var checkAt = time.GetUtcNow() + options.UnconfirmedResendDelay;
            foreach (var chunk in ids.Chunk(Chunk))
            {
                Guid[] deleted = [.. chunk.Where(d => !d.Keep).Select(d => d.Id)];
                Guid[] kept = [.. chunk.Where(d => d.Keep).Select(d => d.Id)];
                await groups.RunAsync(new DeliveredPart(_statement, deleted, kept, checkAt), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogDeleteFailed(logger, ex, ids.Count);
        }

        ids.Clear();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deleting {Count} delivered outbox messages failed; the relay will send them again and receivers will drop the copies")]
    private static partial void LogDeleteFailed(ILogger logger, Exception exception, int count);
}
