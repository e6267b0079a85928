using Npgsql;
using NpgsqlTypes;
using Sagas.Marten.Persistence.Groups;
using Sagas.Persistence;

namespace Sagas.Marten.Persistence.Parts;

/// <summary>
/// A saga's commit: its document at the next revision (checked against the one it was loaded at), the inbox record, the
/// outgoing messages and the withdrawn schedules, all or nothing within its own statement; once committed, with the ids of
/// the saga's rows it found ahead of its own messages in the outbox.
/// </summary>
internal sealed class SagaCommitPart(
    SagaDocumentSql sql,
    Guid sagaId,
    string document,
    string dotnetType,
    SagaColumns columns,
    int expectedVersion,
    MessageTransaction transaction,
    DateTimeOffset now) : GroupPart<(CommitResult Result, Guid[] Ahead)>
{
    public override NpgsqlBatchCommand CreateCommand()
    {
        var command = new NpgsqlBatchCommand(expectedVersion == 0 ? sql.Insert : sql.Update);
        TransactionEffects.AddParameters(command, transaction, now);
        command.Parameters.Add(new NpgsqlParameter { Value = sagaId });
        command.Parameters.Add(new NpgsqlParameter { Value = document, NpgsqlDbType = NpgsqlDbType.Jsonb });
        command.Parameters.Add(new NpgsqlParameter { Value = dotnetType });
        command.Parameters.Add(new NpgsqlParameter { Value = columns.WakeAt is { } wake ? wake.ToUniversalTime() : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = columns.CurrentState, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)columns.CurrentStep ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = columns.StartedAt.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        if (expectedVersion != 0)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = (long)expectedVersion });
        }

        return command;
    }

    protected override async ValueTask<(CommitResult Result, Guid[] Ahead)> ReadAsync(NpgsqlDataReader reader)
    {
        await reader.ReadAsync().ConfigureAwait(false);
        if (expectedVersion == 0)
        {
            // A new saga: no message of it can be ahead of its first.
            return ((reader.GetBoolean(0), reader.GetBoolean(1)) switch
            {
                (false, _) => CommitResult.Duplicate,
                (_, false) => CommitResult.Conflict,
                _ => CommitResult.Committed,
            }, []);
        }

        return (reader.GetBoolean(0), reader.GetBoolean(1)) switch
        {
            (false, _) => (CommitResult.Conflict, []),
            (_, false) => (CommitResult.Duplicate, []),
            _ => (CommitResult.Committed, reader.GetFieldValue<Guid[]>(2)),
        };
    }
}
