using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Polly;
using Polly.Retry;
using Sagas.Diagnostics;
using Sagas.Marten.Schema;
using Sagas.Outbox;

namespace Sagas.Marten.Outbox;

/// <summary>
/// The relay loop: delivers what the fast path (<see cref="InlineDispatcher"/>) did not. Scheduled messages when due, and
/// messages left behind by a failed send or a crashed process once they are older than
/// <see cref="MartenSagasOptions.RelayTakeoverDelay"/>. Each pass is one transaction that claims a batch with
/// <c>FOR UPDATE SKIP LOCKED</c> (relays in several processes share the work without sending a message twice), taking only
/// the oldest pending message of each saga (<see cref="OutboxQueries.ClaimReady"/>: a saga's messages go out in commit
/// order), sends them with Polly backoff while the broker is down, deletes them and commits. Between passes it waits for a
/// <see cref="RelaySignal"/> wake-up, the next due time or <see cref="MartenSagasOptions.RelayPollInterval"/>.
/// </summary>
/// <remarks>
/// <para>
/// A message that still cannot be sent after the retries (the broker down, or refusing that one message: with mandatory
/// routing, an event no queue is bound for yet) ends the pass with what was sent before it, and is held back: later
/// passes do not claim it until its own backoff has passed (<see cref="MartenSagasOptions.RelaySendRetryDelay"/> doubled
/// per failure, at most <see cref="MartenSagasOptions.RelaySendRetryMaxDelay"/>), then try it once, and go on with the
/// others if it fails again. So messages that cannot be sent, however many, never hold up the others; a saga's later
/// messages wait behind its held-back one, since a saga's oldest ready row is still in the table.
/// </para>
/// <para>
/// An event kept until a consumer records it (<see cref="MartenSagasOptions.KeepsUntilConfirmed"/>) is not deleted once
/// sent but due for a check after <see cref="MartenSagasOptions.UnconfirmedResendDelay"/>: each pass first removes the
/// kept rows due that a consumer recorded (<see cref="OutboxQueries.DeleteConfirmed"/>); one still due is sent again,
/// until <see cref="MartenSagasOptions.UnconfirmedResendWindow"/> after its commit.
/// </para>
/// <para>
/// Delivery is at least once: a relay that dies after sending and before committing the delete releases its
/// locks with its connection; the batch is sent again and the receivers' inboxes drop the copies.
/// </para>
/// </remarks>
internal sealed partial class OutboxRelay : BackgroundService
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly OutboxQueries _queries;
    private readonly RelaySignal _signal;
    private readonly MartenSagasOptions _options;
    private readonly IServiceProvider _services;
    private readonly TimeProvider _time;
    private readonly ILogger<OutboxRelay> _logger;
    private readonly IOutboxCheckpoint? _checkpoint;
    private readonly ResiliencePipeline _send;
    private readonly ResiliencePipeline _sendOnce;
    private readonly HeldBackMessages _heldBack;
    private DateTimeOffset? _nextDue;

    public OutboxRelay(
        NpgsqlDataSource dataSource,
        OutboxQueries queries,
        RelaySignal signal,
        MartenSagasOptions options,
        IServiceProvider services,
        TimeProvider time,
        ILogger<OutboxRelay> logger,
        IOutboxCheckpoint? checkpoint = null)
    {
        _dataSource = dataSource;
        _queries = queries;
        _signal = signal;
        _options = options;
        _services = services;
        _time = time;
        _logger = logger;
        _checkpoint = checkpoint;
        var send = new ResiliencePipelineBuilder { TimeProvider = time };
        if (options.RelaySendRetries > 0) // Polly refuses a retry strategy of no retries; 0 is a valid setting
        {
            send.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(ex => ex is not OperationCanceledException),
                MaxRetryAttempts = options.RelaySendRetries, // then it is held back (HeldBackMessages)
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RelaySendRetryDelay,
                MaxDelay = options.RelaySendRetryMaxDelay,
                OnRetry = args =>
                {
                    LogBrokerDown(_logger, args.Outcome.Exception, args.AttemptNumber + 1, args.RetryDelay.TotalMilliseconds);
                    return ValueTask.CompletedTask;
                },
            });
        }

        _send = send.AddTimeout(options.InlineSendTimeout) // per attempt: a send waiting on a dead connection is abandoned and retried
            .Build();
        _sendOnce = new ResiliencePipelineBuilder { TimeProvider = time }.AddTimeout(options.InlineSendTimeout).Build();
        _heldBack = new HeldBackMessages(options.RelaySendRetryDelay, options.RelaySendRetryMaxDelay);
    }

    /// <summary>
    /// One relay pass, in one transaction: removes kept events a consumer recorded, locks a batch of deliverable messages
    /// (skipping rows and sagas another relay holds), sends them in commit order, deletes them (or keeps them for their
    /// next check) and commits. Returns how many rows it finished (sent, or expired); held-back rows do not count.
    /// </summary>
    internal async Task<int> RelayBatchAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var batch = await ClaimAsync(connection, now, _heldBack.Waiting(now), cancellationToken).ConfigureAwait(false);
        if (batch.Count == 0)
        {
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        }

        var bus = _services.GetRequiredService<IBus>();
        var sent = new List<Guid>(batch.Count);
        var done = new List<long>(batch.Count);
        var kept = new List<long>();
        foreach (var (seq, message, createdAt) in batch)
        {
            var keep = _options.KeepsUntilConfirmed(message);
            if (keep && message.DueTime is not null)
            {
                // A kept event whose check found no consumer's record (DeleteConfirmed took the recorded ones).
                if (now - createdAt >= _options.UnconfirmedResendWindow)
                {
                    LogUnconfirmedGivenUp(_logger, message.Id, message.Destination, createdAt, _options.UnconfirmedResendWindow);
                    SagasDiagnostics.UnconfirmedEvents.Add(1, new KeyValuePair<string, object?>("outcome", "expired"));
                    done.Add(seq);
                    continue;
                }

                LogUnconfirmedResent(_logger, message.Id, message.Destination, createdAt);
                SagasDiagnostics.UnconfirmedEvents.Add(1, new KeyValuePair<string, object?>("outcome", "resent"));
            }

            var failedBefore = _heldBack.Contains(seq);
            try
            {
                // A message that failed before is tried once: retrying it here would hold up the rest of the batch.
                await (failedBefore ? _sendOnce : _send).ExecuteAsync(static (state, token) => new ValueTask(OutboxSender.SendAsync(state.bus, state.message, token)), (bus, message), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                var retryIn = _heldBack.Failed(seq, now);
                LogHeldBack(_logger, ex, message.Id, message.Destination, retryIn.TotalMilliseconds);
                if (failedBefore)
                {
                    continue; // failing again, most likely alone: the others go on
                }

                break; // the broker may be down: finish the pass with what was sent; the next passes go on without this one
            }

            _heldBack.Sent(seq);
            SagasDiagnostics.OutboxLag.Record((_time.GetUtcNow() - (message.DueTime ?? createdAt)).TotalMilliseconds);
            sent.Add(message.Id);
            (keep ? kept : done).Add(seq);
        }

        if (_checkpoint is not null && sent.Count > 0)
        {
            await _checkpoint.DeliveredAsync(sent).ConfigureAwait(false);
        }

        await using (var finish = new NpgsqlBatch(connection))
        {
            var delete = new NpgsqlBatchCommand(_queries.DeleteSent);
            delete.Parameters.Add(new NpgsqlParameter { Value = done.ToArray() });
            finish.BatchCommands.Add(delete);
            if (kept.Count > 0)
            {
                var keep = new NpgsqlBatchCommand(_queries.KeepSent);
                keep.Parameters.Add(new NpgsqlParameter { Value = kept.ToArray() });
                keep.Parameters.Add(new NpgsqlParameter { Value = _time.GetUtcNow() + _options.UnconfirmedResendDelay });
                finish.BatchCommands.Add(keep);
            }

            await finish.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return done.Count + kept.Count;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.RunRelay)
        {
            return;
        }

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
    }

    private async Task<List<(long Seq, OutboxMessage Message, DateTimeOffset CreatedAt)>> ClaimAsync(NpgsqlConnection connection, DateTimeOffset now, long[] heldBack, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection);
        var confirmed = new NpgsqlBatchCommand(_queries.DeleteConfirmed);
        confirmed.Parameters.Add(new NpgsqlParameter { Value = now });
        confirmed.Parameters.Add(new NpgsqlParameter { Value = _options.RelayBatchSize });
        var ready = new NpgsqlBatchCommand(_queries.ClaimReady);
        ready.Parameters.Add(new NpgsqlParameter { Value = _options.RelayBatchSize });
        ready.Parameters.Add(new NpgsqlParameter { Value = now - _options.RelayTakeoverDelay });
        ready.Parameters.Add(new NpgsqlParameter { Value = heldBack });
        var due = new NpgsqlBatchCommand(_queries.ClaimDue);
        due.Parameters.Add(new NpgsqlParameter { Value = now });
        due.Parameters.Add(new NpgsqlParameter { Value = _options.RelayBatchSize });
        due.Parameters.Add(new NpgsqlParameter { Value = heldBack });
        var next = new NpgsqlBatchCommand(_queries.NextDue);
        next.Parameters.Add(new NpgsqlParameter { Value = now });
        batch.BatchCommands.Add(confirmed);
        batch.BatchCommands.Add(ready);
        batch.BatchCommands.Add(due);
        batch.BatchCommands.Add(next);

        var rows = new List<(long Seq, OutboxMessage Message, DateTimeOffset CreatedAt)>();
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        if (reader.GetInt64(0) is > 0 and var recorded)
        {
            LogConfirmed(_logger, recorded);
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
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
                    ConfirmSource = reader.IsDBNull(9) ? null : reader.GetString(9),
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

        await _signal.WaitAsync(wait, cancellationToken).ConfigureAwait(false);

        // Let commits that arrive together share one batch (and one round trip).
        if (_options.RelayBatchWindow > TimeSpan.Zero)
        {
            await Task.Delay(_options.RelayBatchWindow, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox message {MessageId} to {Destination} could not be sent; the relay goes on with the others and tries it again in {DelayMs} ms")]
    private static partial void LogHeldBack(ILogger logger, Exception exception, Guid messageId, Uri destination, double delayMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox delivery failed (attempt {Attempt}); retrying in {DelayMs} ms")]
    private static partial void LogBrokerDown(ILogger logger, Exception? exception, int attempt, double delayMs);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Count} published events were recorded by their consumers and leave the outbox")]
    private static partial void LogConfirmed(ILogger logger, long count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event {MessageId} to {Destination}, published at {PublishedAt}, is not recorded by any consumer yet; sending it again")]
    private static partial void LogUnconfirmedResent(ILogger logger, Guid messageId, Uri destination, DateTimeOffset publishedAt);

    [LoggerMessage(Level = LogLevel.Error, Message = "Event {MessageId} to {Destination}, published at {PublishedAt}, was sent but no consumer in this database recorded it within {Window}; it is no longer sent again")]
    private static partial void LogUnconfirmedGivenUp(ILogger logger, Guid messageId, Uri destination, DateTimeOffset publishedAt, TimeSpan window);

    [LoggerMessage(Level = LogLevel.Error, Message = "Outbox relay batch failed; its claims expire and another pass retries them")]
    private static partial void LogRelayFailed(ILogger logger, Exception exception);
}
