using Npgsql;
using Sagas.Marten.Persistence.Groups;
using Sagas.Marten.Schema;

namespace Sagas.Marten.Persistence.Parts;

/// <summary>
/// Finishes outbox rows the fast path delivered: deletes them, or, for events kept until a consumer records them, sets
/// their next check to <c>$3</c>. Skips rows a relay pass holds (it is sending those again and finishes them itself, so
/// waiting for its lock would only hold the group back). Returns how many it deleted.
/// </summary>
internal sealed class DeliveredPart(DeliveredPart.Statement statement, Guid[] deleted, Guid[] kept, DateTimeOffset checkAt) : GroupPart<int>
{
    public override NpgsqlBatchCommand CreateCommand()
    {
        var command = new NpgsqlBatchCommand(statement.Sql);
        command.Parameters.Add(new NpgsqlParameter { Value = deleted });
        command.Parameters.Add(new NpgsqlParameter { Value = kept });
        command.Parameters.Add(new NpgsqlParameter { Value = checkAt.ToUniversalTime() });
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
        // cardinality first, as in TransactionEffects: the batches that keep nothing (nearly all) read no row for it.
        public string Sql { get; } =
            $"with gone as (delete from {tables.Outbox} where seq in (select seq from {tables.Outbox} where id = any($1) for update skip locked) returning 1), " +
            $"kept as (update {tables.Outbox} set due_at = $3 where cardinality($2::uuid[]) > 0 and seq in (select seq from {tables.Outbox} where id = any($2) for update skip locked)) " +
            "select count(*) from gone";
    }
}
