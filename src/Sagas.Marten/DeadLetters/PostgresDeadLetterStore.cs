using Npgsql;
using Sagas.DeadLetters;
using Sagas.Marten.Schema;

namespace Sagas.Marten.DeadLetters;

/// <summary>
/// Dead letters in PostgreSQL (<c>sagas_dead_letters</c>), so the process that shows them (an API hosting the inspector)
/// need not be the one that received them. Open ones are indexed for their page; a resolution is written once.
/// </summary>
internal sealed class PostgresDeadLetterStore(NpgsqlDataSource dataSource, SagasTables tables) : IDeadLetterStore
{
    private const string Columns = "id, at, endpoint, event_id, event_type, source, reasons, content_type, body, resolution, resolved_at, note";

    public async ValueTask AddAsync(DeadLetter deadLetter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deadLetter);
        await using var command = dataSource.CreateCommand(
            $"insert into {tables.DeadLetters} (id, at, endpoint, event_id, event_type, source, reasons, content_type, body) " +
            "values ($1, $2, $3, $4, $5, $6, $7, $8, $9) on conflict (id) do nothing");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = deadLetter.Id });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = deadLetter.At });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = deadLetter.Endpoint });
        command.Parameters.Add(Text(deadLetter.EventId));
        command.Parameters.Add(Text(deadLetter.EventType));
        command.Parameters.Add(Text(deadLetter.Source));
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. deadLetter.Reasons] });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = deadLetter.ContentType });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = deadLetter.Body });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<DeadLetterPage> ListAsync(DeadLetterQuery query, CancellationToken cancellationToken)
    {
        DeadLetterQuery.Validate(query);
        await using var command = dataSource.CreateCommand(
            $"select {Columns} from {tables.DeadLetters} where ($1 or resolution is null) and ($2::uuid is null or id > $2) order by id limit $3");
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = query.IncludeResolved });
        command.Parameters.Add(new NpgsqlParameter { Value = query.After is { } after ? after : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = query.Limit + 1 });
        var items = new List<DeadLetter>(Math.Min(query.Limit + 1, 64));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            items.Add(Read(reader));
        }

        return DeadLetterPage.Of(items, query.Limit);
    }

    public async ValueTask<DeadLetter?> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"select {Columns} from {tables.DeadLetters} where id = $1");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
    }

    public async ValueTask<bool> ResolveAsync(Guid id, DeadLetterResolution resolution, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resolution);
        await using var command = dataSource.CreateCommand(
            $"update {tables.DeadLetters} set resolution = $2, resolved_at = $3, note = $4 where id = $1 and resolution is null");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = resolution.Action.ToString() });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = resolution.At });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = resolution.Note });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    private static NpgsqlParameter Text(string? value)
        => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text };

    private static string? TextOrNull(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static DeadLetter Read(NpgsqlDataReader reader)
        => new(
            reader.GetGuid(0),
            reader.GetFieldValue<DateTimeOffset>(1),
            reader.GetString(2),
            TextOrNull(reader, 3),
            TextOrNull(reader, 4),
            TextOrNull(reader, 5),
            reader.GetFieldValue<string[]>(6),
            reader.GetString(7),
            reader.GetString(8))
        {
            Resolution = reader.IsDBNull(9)
                ? null
                : new DeadLetterResolution(Enum.Parse<DeadLetterAction>(reader.GetString(9)), reader.GetFieldValue<DateTimeOffset>(10), reader.GetString(11)),
        };
}
