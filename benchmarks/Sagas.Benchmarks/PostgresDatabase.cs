using Npgsql;

namespace Sagas.Benchmarks;

/// <summary>What the durable benchmarks read from and do to their database (also compiled into Wolverine.Benchmarks).</summary>
internal static class PostgresDatabase
{
    /// <summary>Transactions the database has committed so far (<c>pg_stat_database.xact_commit</c>), read-only ones included.</summary>
    public static async Task<long> CommittedTransactionsAsync(string connection)
    {
        await using var db = new NpgsqlConnection(connection);
        await db.OpenAsync();
        await using var command = new NpgsqlCommand("select xact_commit from pg_stat_database where datname = current_database()", db);
        var value = (long)(await command.ExecuteScalarAsync())!;
        await using var own = new NpgsqlCommand("select pg_stat_clear_snapshot()", db); // counts as one of ours; negligible
        await own.ExecuteNonQueryAsync();
        return value;
    }

    /// <summary>
    /// <see cref="CommittedTransactionsAsync"/> once the run's server processes have exited (its connections closed): a
    /// server process reports its counts at most once a second while it works, and the rest when it exits or has idled
    /// for 10 s. Read while the run's connections were still open, the count missed up to their last second (0.324
    /// transactions per saga against 0.417 read after they closed, in one run of 3,000 orders). Waits up to those 10 s.
    /// </summary>
    public static async Task<long> CommittedTransactionsAfterCloseAsync(string connection)
    {
        await using (var db = new NpgsqlConnection(connection))
        {
            await db.OpenAsync();
            await using var others = new NpgsqlCommand(
                "select count(*) from pg_stat_activity where datname = current_database() and backend_type = 'client backend' and pid <> pg_backend_pid()", db);
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while ((long)(await others.ExecuteScalarAsync())! > 0 && DateTime.UtcNow < until)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50));
            }
        }

        return await CommittedTransactionsAsync(connection);
    }

    /// <summary>Drops a run's schema and all in it.</summary>
    public static async Task DropSchemaAsync(string connection, string schema)
    {
        await using var db = new NpgsqlConnection(connection);
        await db.OpenAsync();
        await using var command = new NpgsqlCommand($"drop schema if exists {schema} cascade", db);
        await command.ExecuteNonQueryAsync();
    }
}
