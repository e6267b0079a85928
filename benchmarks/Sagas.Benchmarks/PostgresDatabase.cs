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

    /// <summary>Drops a run's schema and all in it.</summary>
    public static async Task DropSchemaAsync(string connection, string schema)
    {
        await using var db = new NpgsqlConnection(connection);
        await db.OpenAsync();
        await using var command = new NpgsqlCommand($"drop schema if exists {schema} cascade", db);
        await command.ExecuteNonQueryAsync();
    }
}
