using System.Text;
using Marten;
using Npgsql;
using Sagas.Persistence.Catalog;
using Sagas.Steps;

namespace Sagas.Marten.Persistence;

/// <summary>
/// Lists and counts one saga type's documents with plain SQL on its Marten table: each filter is a condition on a column the
/// table keeps beside the document and indexes together with the id (<c>current_state</c>, <c>current_step</c>:
/// <see cref="SagaColumns"/>), pages are keyset pages on the id, so a deep page costs what the first does, the counts per
/// state read the state index alone, never a document, and the oldest running saga is the first entry of an index of the
/// running sagas' start times.
/// </summary>
internal sealed class MartenSagaCatalog<TState> : ISagaCatalog<TState>
    where TState : StepSagaState
{
    private const string Columns = "id, current_state, current_step, data ->> 'Reason', started_at, (data ->> 'EndedAt')::timestamptz";
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _table;

    public MartenSagaCatalog(NpgsqlDataSource dataSource, IDocumentStore store)
    {
        _dataSource = dataSource;
        _table = store.Options.FindOrResolveDocumentType(typeof(TState)).TableName.QualifiedName;
    }

    public async ValueTask<SagaPage> ListAsync(SagaQuery query, CancellationToken cancellationToken)
    {
        SagaCatalogQueries.Validate(query);
        var sql = new StringBuilder($"select {Columns} from {_table} where true");
        await using var command = _dataSource.CreateCommand();
        void Where(string condition, object value)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
            sql.Append(" and ").Append(condition.Replace("@", "$" + command.Parameters.Count, StringComparison.Ordinal));
        }

        if (query.State is { } state)
        {
            Where("current_state = @", state);
        }

        if (query.Step is { } step)
        {
            Where("current_step = @", step);
        }

        if (query.StartedBefore is { } before)
        {
            Where("started_at < @", before);
        }

        if (query.After is { } after)
        {
            Where("id > @", after);
        }

        command.Parameters.Add(new NpgsqlParameter { Value = query.Limit + 1 });
        sql.Append(" order by id limit $").Append(command.Parameters.Count);
        command.CommandText = sql.ToString();
        var items = new List<SagaSummary>(query.Limit + 1);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                items.Add(Read(reader));
            }
        }

        return SagaCatalogQueries.Page(items, query.Limit);
    }

    public async ValueTask<SagaCounts> CountAsync(CancellationToken cancellationToken)
    {
        await using var batch = _dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"select current_state, count(*) from {_table} group by 1"));
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            $"select {Columns} from {_table} where current_state in ('Executing', 'Compensating') " +
            "order by started_at limit 1"));
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            counts[reader.IsDBNull(0) ? "Initial" : reader.GetString(0)] = reader.GetInt64(1);
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var oldest = await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
        return new SagaCounts(counts, oldest);
    }

    private static SagaSummary Read(NpgsqlDataReader reader) => new(
        reader.GetGuid(0),
        reader.GetString(1),
        reader.IsDBNull(2) ? null : reader.GetString(2),
        reader.IsDBNull(3) ? null : reader.GetString(3),
        reader.GetFieldValue<DateTimeOffset>(4),
        reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5));
}
