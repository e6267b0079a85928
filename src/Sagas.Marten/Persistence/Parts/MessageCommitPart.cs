using Npgsql;
using Sagas.Marten.Persistence.Groups;
using Sagas.Marten.Schema;
using Sagas.Persistence;

namespace Sagas.Marten.Persistence.Parts;

/// <summary>A consumer's commit: its inbox record and, only when that record is new, its outgoing messages and withdrawn schedules.</summary>
internal sealed class MessageCommitPart(MessageCommitPart.Statement statement, MessageTransaction transaction, DateTimeOffset now) : GroupPart<CommitResult>
{
    public override NpgsqlBatchCommand CreateCommand()
    {
        var command = new NpgsqlBatchCommand(statement.Sql);
        TransactionEffects.AddParameters(command, transaction, now);
        return command;
    }

    protected override async ValueTask<CommitResult> ReadAsync(NpgsqlDataReader reader)
    {
        await reader.ReadAsync().ConfigureAwait(false);
        return reader.GetBoolean(0) ? CommitResult.Committed : CommitResult.Duplicate;
    }

    /// <summary>The statement's text for one schema.</summary>
    internal sealed class Statement(SagasTables tables)
    {
        public string Sql { get; } =
            $"with ins as (insert into {tables.Inbox} (endpoint, source, id, received_at) values ({TransactionEffects.InboxValues}) on conflict do nothing returning 1), " +
            $"{TransactionEffects.Sql(tables)} select exists (select from ins)";
    }
}
