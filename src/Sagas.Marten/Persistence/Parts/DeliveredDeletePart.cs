using Npgsql;
using Sagas.Marten.Persistence.Groups;
using Sagas.Marten.Schema;

namespace Sagas.Marten.Persistence.Parts;

/// <summary>
/// Deletes outbox rows the fast path delivered, skipping rows a relay pass holds (it is sending those again and deletes
/// them itself, so waiting for its lock would only hold the group back). Returns how many it deleted.
/// </summary>
internal sealed class DeliveredDeletePart(DeliveredDeletePart.Statement statement, Guid[] messageIds) : GroupPart<int>
{
    public override NpgsqlBatchCommand CreateCommand()
    {
        var command = new NpgsqlBatchCommand(statement.Sql);
        command.Parameters.Add(new NpgsqlParameter { Value = messageIds });
        return command;
    }

    protected override async ValueTask<int> ReadAsync(NpgsqlDataReader reader)
    {
        await reader.ReadAsync().ConfigureAwait(false);
        return checked((int)reader.GetInt64(0));
    }

    /// <summary>The statement's text for one schema.</summary>
    internal sealed class Statement(SagasTables tables)
    {
        public string Sql { get; } =
            $"with gone as (delete from {tables.Outbox} where seq in (select seq from {tables.Outbox} where id = any($1) for update skip locked) returning 1) " +
            "select count(*) from gone";
    }
}
