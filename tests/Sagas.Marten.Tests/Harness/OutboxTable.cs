using Sagas.Testing;

namespace Sagas.Marten.Tests.Harness;

/// <summary>Looks at the outbox table of a schema until it is as expected (the reaper works in the background).</summary>
internal static class OutboxTable
{
    /// <summary>Waits until the only row is a sent event kept for its check; returns its id.</summary>
    public static async Task<Guid> KeptAsync(string schema)
    {
        await UntilAsync($"select count(*) from {schema}.sagas_outbox where confirm_source is not null and due_at is not null", n => n > 0);
        await using var connection = new Npgsql.NpgsqlConnection(PostgresDatabase.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand($"select id from {schema}.sagas_outbox where confirm_source is not null", connection);
        return (Guid)(await command.ExecuteScalarAsync())!;
    }

    public static Task OnlyAsync(string schema, Guid id) => UntilAsync($"select count(*) from {schema}.sagas_outbox where id <> '{id}'", n => n == 0);

    public static Task EmptyAsync(string schema) => UntilAsync($"select count(*) from {schema}.sagas_outbox", n => n == 0);

    /// <summary>Reads <paramref name="count"/> until <paramref name="done"/> holds, for at most 30 s.</summary>
    public static async Task UntilAsync(string count, Func<long, bool> done)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!done(await PostgresDatabase.ScalarAsync(count)))
        {
            await Task.Delay(20, timeout.Token);
        }
    }
}
