using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sagas.Marten.Persistence.Groups;
using Sagas.Marten.Persistence.Parts;
using Sagas.Marten.Schema;

namespace Sagas.Marten.Outbox;

/// <summary>
/// Deletes the rows the fast path delivered, many per statement: it gathers ids for a moment after the first, then deletes
/// them as one part of a commit group, so the deletes cost no transaction of their own. A row it fails to delete is taken
/// over by a relay after <see cref="MartenSagasOptions.RelayTakeoverDelay"/> and sent again; receivers drop the copy.
/// </summary>
internal sealed partial class DeliveredReaper(CommitGroups groups, SagasTables tables, ILogger<DeliveredReaper> logger) : BackgroundService
{
    // Each delete costs PostgreSQL about as much as a commit; rows are taken over only after the takeover delay.
    private static readonly TimeSpan Gathering = TimeSpan.FromMilliseconds(10);
    private const int Chunk = 1000;
    private readonly Channel<Guid> _delivered = Channel.CreateUnbounded<Guid>(new UnboundedChannelOptions { SingleReader = true });
    private readonly DeliveredDeletePart.Statement _delete = new(tables);

    /// <summary>Marks a message delivered; its row is deleted shortly.</summary>
    public void Delivered(Guid messageId) => _delivered.Writer.TryWrite(messageId);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var ids = new List<Guid>();
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

    private async Task DeleteAsync(List<Guid> ids, CancellationToken cancellationToken)
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
            foreach (var chunk in ids.Chunk(Chunk))
            {
                await groups.RunAsync(new DeliveredDeletePart(_delete, chunk), cancellationToken).ConfigureAwait(false);
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
