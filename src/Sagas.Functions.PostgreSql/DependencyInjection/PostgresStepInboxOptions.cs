namespace Sagas.Functions.PostgreSql;

/// <summary>Settings of the PostgreSQL step inbox.</summary>
public sealed class PostgresStepInboxOptions
{
    /// <summary>The database. Required.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The schema of the table. Default <c>sagas</c> (the schema Sagas.Marten uses, so one database can hold both).</summary>
    public string SchemaName { get; set; } = "sagas";

    /// <summary>Whether the schema and table are created at first use when missing. Default <see langword="true"/>.</summary>
    public bool CreateTableIfMissing { get; set; } = true;
}
