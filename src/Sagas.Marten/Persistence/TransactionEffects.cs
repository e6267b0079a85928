using System.Runtime.InteropServices;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Sagas.Marten.Schema;
using Sagas.Outbox;
using Sagas.Persistence;

namespace Sagas.Marten.Persistence;

/// <summary>
/// The part of every commit statement that writes a message transaction's effects: the outgoing messages and the withdrawn
/// schedules, each only when the statement's <c>ins</c> (the inbox record) was written. Its parameters are always the
/// first fourteen, so the statements that use it stay the same text for any number of messages (and are prepared once).
/// </summary>
internal static class TransactionEffects
{
    /// <summary>
    /// The CTEs, after an <c>ins</c> CTE; <c>$1..$3</c> are the inbox key, <c>$4</c> the commit time. A message's
    /// <c>saga_commit</c> is what <see cref="OutboxMessage.SagaCommit"/> says (decided when it was captured): the saga's own,
    /// which its later messages must not overtake, or not (a step's reply, an event published for a saga).
    /// </summary>
    public static string Sql(SagasTables tables) =>
        // cardinality first: a condition on the parameters alone gates the scan, so a commit that withdraws nothing (every
        // step consumer's) reads no outbox row even under a generic plan that chose a sequential scan for a small table.
        $"del as (delete from {tables.Outbox} where cardinality($12::uuid[]) > 0 and id = any($12) and exists (select from ins)), " +
        $"out as (insert into {tables.Outbox} (id, destination, content_type, body, headers, saga_id, saga_commit, due_at, created_at, confirm_source) " +
        "select m.id, m.destination, m.content_type, m.body, m.headers, m.saga_id, m.saga_commit, m.due_at, $4, m.confirm_source " +
        "from unnest($5::uuid[], $6::text[], $7::text[], $8::bytea[], $9::jsonb[], $10::uuid[], $11::timestamptz[], $13::text[], $14::boolean[]) with ordinality as m(id, destination, content_type, body, headers, saga_id, due_at, confirm_source, saga_commit, n) " +
        "where exists (select from ins) order by m.n)";

    /// <summary>The inbox record of an <c>ins</c> CTE: <c>($1, $2, $3, $4)</c>.</summary>
    public const string InboxValues = "$1, $2, $3, $4";

    /// <summary>
    /// Adds parameters <c>$1..$14</c>; <c>$13</c>, the <see cref="OutboxMessage.ConfirmSource"/> of each message, is null
    /// when no message has one (a null array pads with nulls); <c>$14</c> is each message's <see cref="OutboxMessage.SagaCommit"/>.
    /// </summary>
    public static void AddParameters(NpgsqlBatchCommand command, MessageTransaction transaction, DateTimeOffset now)
    {
        var key = transaction.InboxKey;
        var outgoing = transaction.Outgoing;
        var ids = new Guid[outgoing.Count];
        var destinations = new string[outgoing.Count];
        var contentTypes = new string[outgoing.Count];
        var bodies = new byte[outgoing.Count][];
        var headers = new string?[outgoing.Count];
        var sagaIds = new Guid?[outgoing.Count];
        var due = new DateTimeOffset?[outgoing.Count];
        var sagaCommits = new bool[outgoing.Count];
        string?[]? confirmSources = null;
        for (var i = 0; i < outgoing.Count; i++)
        {
            var message = outgoing[i];
            ids[i] = message.Id;
            destinations[i] = message.Destination.ToString();
            contentTypes[i] = message.ContentType;
            bodies[i] = MemoryMarshal.TryGetArray(message.Body, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
                ? segment.Array
                : message.Body.ToArray();
            headers[i] = message.Headers is null ? null : JsonSerializer.Serialize(message.Headers);
            sagaIds[i] = message.SagaId;
            due[i] = message.DueTime?.ToUniversalTime();
            sagaCommits[i] = message.SagaCommit;
            if (message.ConfirmSource is not null)
            {
                (confirmSources ??= new string?[outgoing.Count])[i] = message.ConfirmSource;
            }
        }

        var parameters = command.Parameters;
        parameters.Add(new NpgsqlParameter { Value = key.Endpoint });
        parameters.Add(new NpgsqlParameter { Value = key.Source });
        parameters.Add(new NpgsqlParameter { Value = key.Id });
        parameters.Add(new NpgsqlParameter { Value = now.ToUniversalTime() });
        parameters.Add(new NpgsqlParameter { Value = ids });
        parameters.Add(new NpgsqlParameter { Value = destinations });
        parameters.Add(new NpgsqlParameter { Value = contentTypes });
        parameters.Add(new NpgsqlParameter { Value = bodies });
        parameters.Add(new NpgsqlParameter { Value = headers, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
        parameters.Add(new NpgsqlParameter { Value = sagaIds });
        parameters.Add(new NpgsqlParameter { Value = due });
        parameters.Add(new NpgsqlParameter { Value = transaction.Cancelled.ToArray() });
        parameters.Add(new NpgsqlParameter { Value = (object?)confirmSources ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        parameters.Add(new NpgsqlParameter { Value = sagaCommits });
    }
}
