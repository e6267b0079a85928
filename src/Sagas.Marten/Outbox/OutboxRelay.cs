using System.Threading.Channels;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Polly;
using Polly.Retry;
using Sagas.Diagnostics;
using Sagas.Marten.Persistence.Groups;
using Sagas.Marten.Persistence.Parts;
using Sagas.Marten.Schema;
using Sagas.Outbox;

namespace Sagas.Marten.Outbox;

/// <summary>
/// Delivers committed outbox messages to the transport. The committing process sends its messages right after
/// the commit (<see cref="DispatchAsync"/>) and deletes them in batches; the relay delivers the rest: scheduled
/// messages when due, and messages left behind by a failed send or a crashed process once they are older than
/// <see cref="MartenSagasOptions.RelayTakeoverDelay"/> (found by polling every
/// <see cref="MartenSagasOptions.RelayPollInterval"/>, or sooner when a failed send in any process wakes the
/// relays through <c>LISTEN/NOTIFY</c>; the notification is sent outside the committing transaction, because
/// PostgreSQL serializes notifying commits on one global lock). Each relay pass is one transaction that locks a batch of
/// deliverable messages with <c>FOR UPDATE SKIP LOCKED</c> (so relays in several processes share the work
/// without sending a message twice), taking only the oldest pending message of each saga (so a saga's messages
/// go out in commit order), sends them with Polly backoff while the broker is down, deletes them and commits. Wakes on
/// <c>LISTEN/NOTIFY</c> from committing transactions and on commits in this process; polls only as a fallback
/// and sleeps until the next due time.
/// </summary>
/// <remarks>
/// Delivery is at least once: a relay that dies after sending and before committing the delete releases its
/// locks with its connection; the batch is sent again and the receivers' inboxes drop the copies.
/// </remarks>
internal sealed partial class OutboxRelay : BackgroundService, IOutboxDispatcher
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly SagasTables _tables;
    private readonly MartenSagasOptions _options;
    private readonly IServiceProvider _services;
    private readonly TimeProvider _time;
    private readonly ILogger<OutboxRelay> _logger;
    private readonly IOutboxCheckpoint? _checkpoint;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Channel<bool> _notify = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Channel<Guid> _delivered = Channel.CreateUnbounded<Guid>(new UnboundedChannelOptions { SingleReader = true });
    private static readonly TimeSpan InlinePauseAfterFailure = TimeSpan.FromSeconds(1);
    private const int DeleteChunk = 1000;
    private readonly ResiliencePipeline _send;
    private long _inlinePausedUntil;
    private DateTimeOffset? _nextDue;
    private long _nextPassTicks = long.MaxValue; // when the relay looks again unwoken (UTC ticks), read by committing threads
    private readonly CommitGroups _groups;
    private readonly DeliveredDeletePart.Statement _delete;

    // Delivered rows are deleted this long after the first of them, so one statement takes many: the rows are only
    // taken over by a relay after RelayTakeoverDelay, and each delete costs PostgreSQL about as much as a commit.
    private static readonly TimeSpan DeleteGathering = TimeSpan.FromMilliseconds(10);

    public OutboxRelay(
        NpgsqlDataSource dataSource,
        CommitGroups groups,
        SagasTables tables,
        MartenSagasOptions options,
        IServiceProvider services,
        TimeProvider time,
        ILogger<OutboxRelay> logger,
        IOutboxCheckpoint? checkpoint = null)
    {
        _dataSource = dataSource;
        _groups = groups;
        _delete = new DeliveredDeletePart.Statement(tables);
        _tables = tables;
        _options = options;
        _services = services;
        _time = time;
        _logger = logger;
        _checkpoint = checkpoint;
        _send = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(ex => ex is not OperationCanceledException),
                MaxRetryAttempts = 8, // about 25 s; then the batch's transaction rolls back and a later pass retries it
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(100),
                MaxDelay = TimeSpan.FromSeconds(10),
                OnRetry = args =>
                {
                    LogBrokerDown(_logger, args.Outcome.Exception, args.AttemptNumber + 1, args.RetryDelay.TotalMilliseconds);
                    return ValueTask.CompletedTask;
                },
            })
            .AddTimeout(options.InlineSendTimeout) // per attempt: a send waiting on a dead connection is abandoned and retried
            .Build();
    }

    /// <summary>
    /// The fast path: messages just committed in this process are sent at once, then deleted in batches in the
    /// background. A message whose send fails stays in the outbox; the relay (in this or any process) takes
    /// over messages older than <see cref="MartenSagasOptions.RelayTakeoverDelay"/>, and scheduled messages at
    /// their due time.
    /// </summary>
    public async Task DispatchAsync(IReadOnlyList<OutboxMessage> messages, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var bus = _services.GetRequiredService<IBus>();
        // A new timer needs a wake-up only if it is due before the relay looks again anyway (while a pass runs, before
        // the poll interval is up): most are deadlines, due long after that.
        var nextPass = Math.Min(Interlocked.Read(ref _nextPassTicks), (now + _options.RelayPollInterval).UtcTicks);
        if (_options.RunRelay && messages.Any(m => m.DueTime > now && m.DueTime.Value.UtcTicks < nextPass))
        {
            Wake();
        }

        foreach (var message in messages)
        {
            if (message.DueTime > now)
            {
                continue; // the relay delivers it when due
            }

            if (_checkpoint is not null)
            {
                await _checkpoint.CommittedAsync(message).ConfigureAwait(false);
            }

            if (now.UtcTicks < Interlocked.Read(ref _inlinePausedUntil))
            {
                Wake(); // a send just failed: the broker is likely down, so leave this one to the relay at once
                continue;
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_options.InlineSendTimeout);
            try
            {
                await OutboxSender.SendAsync(bus, message, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogInlineSendFailed(_logger, ex, message.Id);
                Interlocked.Exchange(ref _inlinePausedUntil, (_time.GetUtcNow() + InlinePauseAfterFailure).UtcTicks);
                Wake();
                _notify.Writer.TryWrite(true);
                continue;
            }

            SagasDiagnostics.OutboxLag.Record((_time.GetUtcNow() - now).TotalMilliseconds); // from the commit's return to this send
            if (_checkpoint is not null)
            {
                await _checkpoint.DeliveredAsync([message.Id]).ConfigureAwait(false);
            }

            _delivered.Writer.TryWrite(message.Id);
        }
    }

    /// <summary>
    /// One relay pass, in one transaction: locks a batch of deliverable messages (skipping rows and sagas another
    /// relay holds), sends them in commit order, deletes them and commits. Returns how many it delivered.
    /// </summary>
    internal async Task<int> RelayBatchAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var batch = await ClaimAsync(connection, now, cancellationToken).ConfigureAwait(false);
        if (batch.Count == 0)
        {
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        }

        var bus = _services.GetRequiredService<IBus>();
        foreach (var (_, message, createdAt) in batch)
        {
            await _send.ExecuteAsync(static (state, token) => new ValueTask(OutboxSender.SendAsync(state.bus, state.message, token)), (bus, message), cancellationToken).ConfigureAwait(false);
            SagasDiagnostics.OutboxLag.Record((_time.GetUtcNow() - (message.DueTime ?? createdAt)).TotalMilliseconds);
        }

        if (_checkpoint is not null)
        {
            await _checkpoint.DeliveredAsync([.. batch.Select(b => b.Message.Id)]).ConfigureAwait(false);
        }

        await using (var delete = new NpgsqlCommand($"delete from {_tables.Outbox} where seq = any($1)", connection))
        {
            delete.Parameters.Add(new NpgsqlParameter { Value = batch.Select(b => b.Seq).ToArray() });
            await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return batch.Count;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var notifying = NotifyAsync(stoppingToken);
        var deleting = DeleteDeliveredAsync(stoppingToken);
        if (!_options.RunRelay)
        {
            await Task.WhenAll(notifying, deleting).ConfigureAwait(false);
            return;
        }

        var listening = ListenAsync(stoppingToken);
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            var delivered = 0;
            try
            {
                delivered = await RelayBatchAsync(stoppingToken).ConfigureAwait(false);
                failures = 0;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogRelayFailed(_logger, ex);
                try
                {
                    // The database or the broker is down: back off (up to 5 s) rather than spin on the wake-ups meanwhile.
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5000, 100 * Math.Pow(2, failures++))), _time, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }

            if (delivered > 0)
            {
                continue; // more may be waiting: stop only after a pass that found nothing
            }

            try
            {
                await WaitForWorkAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
        }

        await Task.WhenAll(listening, notifying, deleting).ConfigureAwait(false);
    }

    private void Wake() => _wake.Writer.TryWrite(true);

    private async Task<List<(long Seq, OutboxMessage Message, DateTimeOffset CreatedAt)>> ClaimAsync(NpgsqlConnection connection, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // Ready messages are taken only at the head of their saga (no earlier one left in the table, in this
        // statement's snapshot), so a saga's messages are sent in commit order even with several relays: a relay
        // holding a saga's head locked until its transaction ends keeps everyone else off that saga. Scheduled
        // messages are independent of each other and go when due. Each query reads its own partial index in key
        // order (an index scan also marks dead entries of this high-churn table, so later scans skip them).
        const string columns = "seq, id, destination, content_type, body, headers, saga_id, due_at, created_at";
        var t = _tables.Outbox;
        await using var batch = new NpgsqlBatch(connection);
        var ready = new NpgsqlBatchCommand(
            $"select {columns} from {t} c where due_at is null and created_at <= $2 " +
            $"and (saga_id is null or not exists (select 1 from {t} e where e.saga_id = c.saga_id and e.due_at is null and e.seq < c.seq)) " +
            "order by seq limit $1 for update skip locked");
        ready.Parameters.Add(new NpgsqlParameter { Value = _options.RelayBatchSize });
        ready.Parameters.Add(new NpgsqlParameter { Value = now - _options.RelayTakeoverDelay });
        var due = new NpgsqlBatchCommand($"select {columns} from {t} where due_at is not null and due_at <= $1 order by due_at limit $2 for update skip locked");
        due.Parameters.Add(new NpgsqlParameter { Value = now });
        due.Parameters.Add(new NpgsqlParameter { Value = _options.RelayBatchSize });
        var next = new NpgsqlBatchCommand($"select min(due_at) from {t} where due_at is not null and due_at > $1");
        next.Parameters.Add(new NpgsqlParameter { Value = now });
        batch.BatchCommands.Add(ready);
        batch.BatchCommands.Add(due);
        batch.BatchCommands.Add(next);

        var rows = new List<(long Seq, OutboxMessage Message, DateTimeOffset CreatedAt)>();
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        for (var result = 0; result < 2; result++)
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rows.Add((reader.GetInt64(0), new OutboxMessage
                {
                    Id = reader.GetGuid(1),
                    Destination = new Uri(reader.GetString(2)),
                    ContentType = reader.GetString(3),
                    Body = reader.GetFieldValue<byte[]>(4),
                    Headers = reader.IsDBNull(5) ? null : System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(5)),
                    SagaId = reader.IsDBNull(6) ? null : reader.GetGuid(6),
                    DueTime = reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7),
                }, reader.GetFieldValue<DateTimeOffset>(8)));
            }

            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        }

        _nextDue = await reader.ReadAsync(cancellationToken).ConfigureAwait(false) && !reader.IsDBNull(0)
            ? reader.GetFieldValue<DateTimeOffset>(0)
            : null;
        rows.Sort((a, b) => a.Seq.CompareTo(b.Seq));
        return rows;
    }

    private async Task WaitForWorkAsync(CancellationToken cancellationToken)
    {
        var wait = _options.RelayPollInterval;
        if (_nextDue is { } due && due - _time.GetUtcNow() < wait)
        {
            wait = due - _time.GetUtcNow();
        }

        Interlocked.Exchange(ref _nextPassTicks, (_time.GetUtcNow() + wait).UtcTicks);

        if (wait > TimeSpan.Zero)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var delay = Task.Delay(wait, _time, timeout.Token);
            var signal = _wake.Reader.WaitToReadAsync(timeout.Token).AsTask();
            await Task.WhenAny(delay, signal).ConfigureAwait(false);
            await timeout.CancelAsync().ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }

        _wake.Reader.TryRead(out _);
        Interlocked.Exchange(ref _nextPassTicks, long.MaxValue); // a pass is about to run; it may miss what commits meanwhile

        // Let commits that arrive together share one batch (and one round trip).
        if (_options.RelayBatchWindow > TimeSpan.Zero)
        {
            await Task.Delay(_options.RelayBatchWindow, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Deletes messages the fast path delivered, many per statement.</summary>
    private async Task DeleteDeliveredAsync(CancellationToken cancellationToken)
    {
        var ids = new List<Guid>();
        try
        {
            while (await _delivered.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                await Task.Delay(DeleteGathering, cancellationToken).ConfigureAwait(false); // the machine's clock: batching, not business time
                await DeleteAsync(ids, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
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
            foreach (var chunk in ids.Chunk(DeleteChunk))
            {
                await _groups.RunAsync(new DeliveredDeletePart(_delete, chunk), cancellationToken).ConfigureAwait(false);
            }

            ids.Clear();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Not deleted: the relay takes the rows over later and sends them again; receivers drop the copies.
            LogDeleteFailed(_logger, ex, ids.Count);
            ids.Clear();
        }
    }

    /// <summary>Sends one <c>NOTIFY</c> per burst of commits, so relays in other processes wake.</summary>
    private async Task NotifyAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (await _notify.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                _notify.Reader.TryRead(out _);
                try
                {
                    await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                    await using var notify = new NpgsqlCommand($"NOTIFY {_tables.Channel}", connection);
                    await notify.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogNotifyFailed(_logger, ex);
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
                await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                connection.Notification += (_, _) => Wake();
                await using (var listen = new NpgsqlCommand($"LISTEN {_tables.Channel}", connection))
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
                LogListenFailed(_logger, ex);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), _time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox delivery failed (attempt {Attempt}); retrying in {DelayMs} ms")]
    private static partial void LogBrokerDown(ILogger logger, Exception? exception, int attempt, double delayMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "Outbox relay batch failed; its claims expire and another pass retries them")]
    private static partial void LogRelayFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sending outbox message {MessageId} right after its commit failed; the relay will deliver it")]
    private static partial void LogInlineSendFailed(ILogger logger, Exception exception, Guid messageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deleting {Count} delivered outbox messages failed; the relay will send them again and receivers will drop the copies")]
    private static partial void LogDeleteFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not notify other outbox relays; they will find the messages by polling")]
    private static partial void LogNotifyFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox relay lost its LISTEN connection; polling until it reconnects")]
    private static partial void LogListenFailed(ILogger logger, Exception exception);
}

/// <summary>
/// Observes outbox delivery at the points where a crash matters: after the commit and before the send, and
/// after the send and before the delete. Crash tests stop the process there; production code has none.
/// </summary>
internal interface IOutboxCheckpoint
{
    ValueTask CommittedAsync(OutboxMessage message);

    ValueTask DeliveredAsync(IReadOnlyList<Guid> messageIds);
}
