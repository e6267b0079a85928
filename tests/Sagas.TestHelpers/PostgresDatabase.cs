using Npgsql;

namespace Sagas.Testing;

/// <summary>
/// The private PostgreSQL cluster eng/test.sh starts (its connection string in SAGAS_TEST_POSTGRES). Each test
/// class works in a schema of its own, created empty, so classes never see each other's rows.
/// </summary>
public static class PostgresDatabase
{
    public static string ConnectionString =>
        Environment.GetEnvironmentVariable("SAGAS_TEST_POSTGRES")
        ?? throw new InvalidOperationException("SAGAS_TEST_POSTGRES is not set: run the tests through eng/test.sh, which starts a private PostgreSQL cluster, or point it at one (eng/services/postgres.sh start DIR).");

    /// <summary>Creates (or empties) a schema named after the test class and returns its name.</summary>
    public static async Task<string> FreshSchemaAsync(string name)
    {
        var letters = new string([.. name.ToLowerInvariant().Where(char.IsAsciiLetterOrDigit)]);
        var schema = "t_" + letters[..Math.Min(40, letters.Length)];
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"drop schema if exists {schema} cascade; create schema {schema};", connection);
        await command.ExecuteNonQueryAsync();
        return schema;
    }

    public static async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
