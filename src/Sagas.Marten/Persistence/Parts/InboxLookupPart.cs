using Npgsql;
using Sagas.Inbox;
using Sagas.Marten.Persistence.Groups;
using Sagas.Marten.Schema;

namespace Sagas.Marten.Persistence.Parts;

/// <summary>Whether the inbox holds a message: one primary-key probe.</summary>
internal sealed class InboxLookupPart(InboxLookupPart.Statement statement, InboxKey key) : GroupPart<bool>
{
    public override NpgsqlBatchCommand CreateCommand()
    {
        var command = new NpgsqlBatchCommand(statement.Sql);
        command.Parameters.Add(new NpgsqlParameter { Value = key.Endpoint });
        command.Parameters.Add(new NpgsqlParameter { Value = key.Source });
        command.Parameters.Add(new NpgsqlParameter { Value = key.Id });
        return command;
    }

    protected override async ValueTask<bool> ReadAsync(NpgsqlDataReader reader)
    {
        await reader.ReadAsync().ConfigureAwait(false);
        return reader.GetBoolean(0);
    }

    /// <summary>The statement's text for one schema.</summary>
    internal sealed class Statement(SagasTables tables)
    {
        public string Sql { get; } = $"select exists (select 1 from {tables.Inbox} where endpoint = $1 and source = $2 and id = $3)";
    }
}
