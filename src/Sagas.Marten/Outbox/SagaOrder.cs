using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Npgsql;
using Sagas.Diagnostics;
using Sagas.Marten.Schema;
using Sagas.Outbox;

namespace Sagas.Marten.Outbox;

/// <summary>
/// Keeps the fast path from sending a saga's message ahead of an earlier one of the same saga that is still in the outbox:
/// one whose send failed a moment ago, or whose process died between its commit and its send. A saga's commit returns the
/// saga's rows it found in the table (<see cref="Persistence.SagaDocumentSql.Update"/>: all but the message being
/// handled); the store passes them here with the commit's messages (<see cref="Behind"/>). Before the first of them is
/// sent, the dispatcher asks <see cref="MaySendAsync"/>: a row this process sent a moment ago (its delete is only
/// batched) is no reason to wait; one it is sending now is waited for until its send ends; any other is polled every
/// few milliseconds until it has left the table (sent by its process, or by a relay), but never as long as
/// <see cref="MartenSagasOptions.RelayTakeoverDelay"/>: then the messages are left to the relay, which sends a saga's
/// rows in commit order.
/// </summary>
/// <remarks>
/// The usual wait is a saga handled by two processes in turn: the row of the message the other one sent last stays until
/// that process's batched delete, some milliseconds.
/// </remarks>
internal sealed class SagaOrder(NpgsqlDataSource dataSource, SagasTables tables, MartenSagasOptions options)
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(10);

    // Long enough to cover a row's batched delete (or, if that fails, its takeover by a relay), measured on the machine's clock.
    private static readonly long SentKeptTicks = Stopwatch.Frequency * 10;

    private readonly ConditionalWeakTable<OutboxMessage, Guid[]> _behind = [];
    private readonly string _stillThere = $"select array(select id from {tables.Outbox} where id = any($1) and due_at is null)";
    private readonly Lock _rotation = new();
    private readonly ConcurrentDictionary<Guid, TaskCompletionSource?> _sending = new();
    private ConcurrentDictionary<Guid, byte> _sent = new();
    private ConcurrentDictionary<Guid, byte> _sentBefore = new();
    private long _rotateAt = Stopwatch.GetTimestamp() + SentKeptTicks;

    /// <summary>
    /// Records that a saga's commit found <paramref name="ahead"/> (outbox ids of the same saga) in the table before its
    /// own <paramref name="messages"/>: the first of them to be sent at once waits for those.
    /// </summary>
    public void Behind(IReadOnlyList<OutboxMessage> messages, Guid[] ahead)
    {
        if (ahead.Length == 0)
        {
            return;
        }

        foreach (var message in messages)
        {
            if (message.SagaId is not null && message.DueTime is null)
            {
                _behind.AddOrUpdate(message, ahead);
                return;
            }
        }
    }

    /// <summary>
    /// Records that this process is sending a saga's message. Its receiver may commit the saga's next transition before the
    /// send returns here, so a commit that finds the message ahead of its own waits for this send, not for its row.
    /// </summary>
    public void Sending(OutboxMessage message)
    {
        if (message.SagaCommit) // only a saga's own messages can be ahead of its next commit's
        {
            _sending.TryAdd(message.Id, null);
        }
    }

    /// <summary>Records how this process's send of a saga's message ended (<see cref="Sending"/>).</summary>
    public void SendEnded(OutboxMessage message, bool sent)
    {
        if (!message.SagaCommit)
        {
            return;
        }

        if (sent)
        {
            if (Stopwatch.GetTimestamp() > Interlocked.Read(ref _rotateAt))
            {
                Rotate();
            }

            _sent.TryAdd(message.Id, 0);
        }

        if (_sending.TryRemove(message.Id, out var waiter))
        {
            waiter?.TrySetResult();
        }
    }

    /// <summary>
    /// Whether <paramref name="message"/> may be sent now: true at once unless its commit found rows of its saga ahead of it
    /// that this process did not send; then once those have left the table. False when they are still there after
    /// (almost) the takeover delay, or cannot be looked up: the relay delivers the saga's messages from here, in order.
    /// </summary>
    public async ValueTask<bool> MaySendAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        if (!_behind.TryGetValue(message, out var ahead))
        {
            return true;
        }

        _behind.Remove(message);
        List<Guid> notSent = [];
        foreach (var id in ahead)
        {
            if (!await SentHereAsync(id).ConfigureAwait(false))
            {
                notSent.Add(id);
            }
        }

        if (notSent.Count == 0)
        {
            return true;
        }

        var sent = await WaitForAsync([.. notSent], cancellationToken).ConfigureAwait(false);
        SagasDiagnostics.OutboxOrderWaits.Add(1, new KeyValuePair<string, object?>("outcome", sent ? "sent" : "relay"));
        return sent;
    }

    /// <summary>Polls until the rows have left the table (true), or gives up near the takeover delay (false).</summary>
    private async Task<bool> WaitForAsync(Guid[] waiting, CancellationToken cancellationToken)
    {
        var giveUpAt = Stopwatch.GetTimestamp() + (long)(options.RelayTakeoverDelay.TotalSeconds * Stopwatch.Frequency) - (long)(Poll.TotalSeconds * Stopwatch.Frequency);
        try
        {
            while (waiting.Length > 0)
            {
                if (Stopwatch.GetTimestamp() >= giveUpAt)
                {
                    return false;
                }

                await Task.Delay(Poll, cancellationToken).ConfigureAwait(false); // the machine's clock: a wait, not business time
                waiting = await StillThereAsync(waiting, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            return false;
        }

        return true;
    }

    /// <summary>Whether this process sent the message, after waiting for its send if it is sending it now.</summary>
    private async ValueTask<bool> SentHereAsync(Guid id)
    {
        while (true)
        {
            if (_sent.ContainsKey(id) || _sentBefore.ContainsKey(id))
            {
                return true;
            }

            if (!_sending.TryGetValue(id, out var waiter))
            {
                return _sent.ContainsKey(id); // its send may have ended just now
            }

            if (waiter is null)
            {
                var created = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                waiter = _sending.TryUpdate(id, created, null) ? created : null;
            }

            if (waiter is not null)
            {
                await waiter.Task.ConfigureAwait(false); // bounded by the send's timeout
            }
        }
    }

    private async Task<Guid[]> StillThereAsync(Guid[] ids, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(_stillThere);
        command.Parameters.Add(new NpgsqlParameter { Value = ids });
        return (Guid[])(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private void Rotate()
    {
        lock (_rotation)
        {
            if (Stopwatch.GetTimestamp() <= _rotateAt)
            {
                return;
            }

            _sentBefore = _sent;
            _sent = new ConcurrentDictionary<Guid, byte>();
            Interlocked.Exchange(ref _rotateAt, Stopwatch.GetTimestamp() + SentKeptTicks);
        }
    }
}
