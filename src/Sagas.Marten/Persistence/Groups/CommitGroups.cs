using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Npgsql;
using Sagas.Diagnostics;

namespace Sagas.Marten.Persistence.Groups;

/// <summary>
/// Group commit: the statements of concurrent callers (saga commits, consumer commits, inbox lookups, loads) travel
/// to PostgreSQL as one batch in one implicit transaction: one round trip, one WAL flush for all of them. Each part
/// reads its own outcome from its own rows, so a conflict or a duplicate in one part leaves the others committed.
/// A group that fails as a whole (an error, a lost connection) is retried part by part, each alone, so every caller
/// gets its own answer.
/// </summary>
/// <remarks>
/// A part goes out at once when no group is in flight; while one is, the next group gathers companions for at most
/// <see cref="MartenSagasOptions.GroupCommitWindow"/> (zero: no grouping, every part is its own transaction).
/// </remarks>
internal sealed partial class CommitGroups : IAsyncDisposable, IDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly TimeSpan _window;
    private readonly int _maxParts;
    private readonly ILogger<CommitGroups> _logger;
    private readonly ICommitGroupCheckpoint? _checkpoint;
    private readonly Channel<IGroupPart> _queue = Channel.CreateUnbounded<IGroupPart>(new UnboundedChannelOptions { SingleWriter = false });
    private readonly Task[] _lanes;
    private int _inFlight;

    /// <summary>Parts per PostgreSQL transaction: how well concurrent commits share one.</summary>
    internal static readonly Histogram<int> GroupSize = SagasDiagnostics.Meter.CreateHistogram<int>(
        "sagas.postgresql.group.size", unit: "{part}", description: "Commits, inbox lookups and loads sent to PostgreSQL in one transaction");

    public CommitGroups(NpgsqlDataSource dataSource, MartenSagasOptions options, ILogger<CommitGroups> logger, ICommitGroupCheckpoint? checkpoint = null)
    {
        _dataSource = dataSource;
        _window = options.GroupCommitWindow;
        _maxParts = options.MaxGroupSize;
        _logger = logger;
        _checkpoint = checkpoint;
        _lanes = _window > TimeSpan.Zero ? [.. Enumerable.Range(0, options.MaxGroupsInFlight).Select(_ => Task.Run(RunLaneAsync))] : [];
    }

    /// <summary>Runs <paramref name="part"/> in the next group and returns its outcome once that group has committed.</summary>
    public async Task<TResult> RunAsync<TResult>(GroupPart<TResult> part, CancellationToken cancellationToken)
    {
        if (_lanes.Length == 0)
        {
            await ExecuteGroupAsync([part]).ConfigureAwait(false);
        }
        else if (!_queue.Writer.TryWrite(part))
        {
            throw new ObjectDisposedException(nameof(CommitGroups), "The PostgreSQL store is shutting down.");
        }

        // A caller that stops waiting does not withdraw its part: it may commit, as it may when a process dies after a
        // commit, and the inbox recognises the message when it comes again.
        return await part.Result.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task RunLaneAsync()
    {
        var reader = _queue.Reader;
        var group = new List<IGroupPart>(_maxParts);
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            group.Clear();
            while (group.Count < _maxParts && reader.TryRead(out var part))
            {
                group.Add(part);
            }

            if (group.Count == 0)
            {
                continue; // another lane took it
            }

            if (Volatile.Read(ref _inFlight) > 0)
            {
                await GatherAsync(reader, group).ConfigureAwait(false);
            }

            Interlocked.Increment(ref _inFlight);
            try
            {
                await ExecuteGroupAsync(group).ConfigureAwait(false);
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
            }
        }
    }

    // Another group is on its way to the disk: going now would cost a flush of its own, so wait a little for companions.
    // The window is measured on the machine's clock, not the application's TimeProvider: it is a matter of I/O, not of
    // business time (a test's fake clock must not hold commits back).
    private async Task GatherAsync(ChannelReader<IGroupPart> reader, List<IGroupPart> group)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(_window.TotalSeconds * Stopwatch.Frequency);
        while (group.Count < _maxParts)
        {
            if (reader.TryRead(out var part))
            {
                group.Add(part);
                continue;
            }

            var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
            if (left <= TimeSpan.Zero || Volatile.Read(ref _inFlight) == 0)
            {
                return;
            }

            using var timeout = new CancellationTokenSource(left);
            try
            {
                if (!await reader.WaitToReadAsync(timeout.Token).ConfigureAwait(false))
                {
                    return;
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task ExecuteGroupAsync(List<IGroupPart> group)
    {
        try
        {
            await ExecuteAsync(group).ConfigureAwait(false);
            foreach (var part in group)
            {
                part.Complete();
            }

            return;
        }
        catch (Exception ex) when (group.Count > 1)
        {
            // Whether the group committed is not known when its connection broke: the parts alone find out (an inbox
            // record or a newer revision already there answers Duplicate or Conflict, and the caller handles those).
            LogGroupFailed(_logger, ex, group.Count);
        }
        catch (Exception ex)
        {
            group[0].Fail(TransientStatementException.Of(ex));
            return;
        }

        foreach (var part in group)
        {
            try
            {
                await ExecuteAsync([part]).ConfigureAwait(false);
                part.Complete();
            }
            catch (Exception ex)
            {
                part.Fail(TransientStatementException.Of(ex));
            }
        }
    }

    private async Task ExecuteAsync(List<IGroupPart> parts)
    {
        GroupSize.Record(parts.Count);
        await using var connection = await _dataSource.OpenConnectionAsync().ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection);
        foreach (var part in parts)
        {
            batch.BatchCommands.Add(part.CreateCommand());
        }

        await using var reader = await batch.ExecuteReaderAsync().ConfigureAwait(false);
        for (var i = 0; i < parts.Count; i++)
        {
            if (i > 0 && !await reader.NextResultAsync().ConfigureAwait(false))
            {
                throw new InvalidOperationException($"The group's statement {i + 1} of {parts.Count} returned no result.");
            }

            await parts[i].ReadAsync(reader).ConfigureAwait(false);
        }

        if (_checkpoint is not null)
        {
            await _checkpoint.ExecutedAsync(parts.Count).ConfigureAwait(false);
        }

        // The implicit transaction commits at the batch's end; its acknowledgement (or an error of the commit itself)
        // follows the last result. Only then are the parts' outcomes true.
        while (await reader.NextResultAsync().ConfigureAwait(false))
        {
        }
    }

    /// <summary>Runs what is queued, then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await Task.WhenAll(_lanes).ConfigureAwait(false);
    }

    public void Dispose()
    {
        _queue.Writer.TryComplete();
        Task.WaitAll(_lanes);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A commit group of {Count} parts failed; retrying each part alone")]
    private static partial void LogGroupFailed(ILogger logger, Exception exception, int count);
}
