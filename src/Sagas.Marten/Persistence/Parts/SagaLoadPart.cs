using Marten;
using Npgsql;
using Sagas.Marten.Persistence.Groups;
using Sagas.Persistence;
using Sagas.Steps;

namespace Sagas.Marten.Persistence.Parts;

/// <summary>Reads a saga's document and revision, or nothing when it does not exist.</summary>
internal sealed class SagaLoadPart<TState>(SagaDocumentSql sql, ISerializer serializer, Guid sagaId) : GroupPart<LoadedSaga<TState>?>
    where TState : StepSagaState
{
    public override NpgsqlBatchCommand CreateCommand()
    {
        var command = new NpgsqlBatchCommand(sql.Load);
        command.Parameters.Add(new NpgsqlParameter { Value = sagaId });
        return command;
    }

    protected override async ValueTask<LoadedSaga<TState>?> ReadAsync(NpgsqlDataReader reader)
    {
        if (!await reader.ReadAsync().ConfigureAwait(false))
        {
            return null;
        }

        var state = serializer.FromJson<TState>(reader, 0);
        state.Version = checked((int)reader.GetInt64(1));
        return new LoadedSaga<TState>(state, state.Version);
    }
}
