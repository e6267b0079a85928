using System.Data.Common;
using Npgsql;

namespace Sagas.Marten.Schema;

/// <summary>
/// A statement of Sagas met a schema older than this version (a table, column or function it needs is missing): the schema
/// was not applied yet (<see cref="MartenSagasOptions.ApplySchemaChangesAtStart"/> off and the migration still to run), or
/// a process of an earlier version removed what it does not know when it started (docs/postgresql.md, upgrading). Nothing
/// is wrong with the message being handled, so this is a transient fault of the infrastructure
/// (<see cref="Sagas.Faults.InfrastructureFaults"/>): the message is retried until the schema is there, never moved to an
/// error queue.
/// </summary>
internal sealed class SchemaNotReadyException(PostgresException missing) : DbException(
    $"The Sagas schema in PostgreSQL lacks what this version needs ({missing.SqlState}: {missing.MessageText}). Apply it: "
    + "ApplySchemaChangesAtStart, MartenSagaSchema.ApplyAsync or the exported script (docs/postgresql.md). Retried until it is there.",
    missing)
{
    public override bool IsTransient => true;

    public override string? SqlState => missing.SqlState;

    /// <summary>The exception to report for <paramref name="exception"/>: this one when it says the schema lacks an object.</summary>
    public static Exception Of(Exception exception)
        => exception is PostgresException { SqlState: PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.UndefinedColumn or PostgresErrorCodes.UndefinedFunction or PostgresErrorCodes.InvalidSchemaName or PostgresErrorCodes.UndefinedObject } missing
            ? new SchemaNotReadyException(missing)
            : exception;
}
