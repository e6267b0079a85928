using System.Data.Common;
using Npgsql;

namespace Sagas.Marten.Persistence.Groups;

/// <summary>
/// PostgreSQL refused a statement of Sagas for a reason of the database, not of the message being handled, so the message
/// is retried, never moved to an error queue (a transient fault, <see cref="Sagas.Faults.InfrastructureFaults"/>):
/// <list type="bullet">
/// <item>the schema lacks a table, column, function or schema this version needs: not applied yet
/// (<see cref="MartenSagasOptions.ApplySchemaChangesAtStart"/> off, the migration still to run), or removed by a process of
/// an earlier version when it started (docs/postgresql.md, upgrading);</item>
/// <item>the server cancelled the statement: past its <c>statement_timeout</c> (a busy database, a lock held too long) or
/// by an administrator. Npgsql does not count that transient; Sagas never cancels its own commits.</item>
/// </list>
/// </summary>
internal sealed class TransientStatementException : DbException
{
    private TransientStatementException(PostgresException cause, string message)
        : base(message, cause) => SqlState = cause.SqlState;

    public override bool IsTransient => true;

    public override string? SqlState { get; }

    /// <summary>The exception to report for <paramref name="exception"/>: this one for the cases above, else the exception itself.</summary>
    public static Exception Of(Exception exception) => exception switch
    {
        PostgresException { SqlState: PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.UndefinedColumn or PostgresErrorCodes.UndefinedFunction or PostgresErrorCodes.InvalidSchemaName or PostgresErrorCodes.UndefinedObject } missing
            => new TransientStatementException(missing, $"The Sagas schema in PostgreSQL lacks what this version needs ({missing.SqlState}: {missing.MessageText}). "
                + "Apply it: ApplySchemaChangesAtStart, MartenSagaSchema.ApplyAsync or the exported script (docs/postgresql.md). Retried until it is there."),
        PostgresException { SqlState: PostgresErrorCodes.QueryCanceled } canceled
            => new TransientStatementException(canceled, $"PostgreSQL cancelled a Sagas statement ({canceled.MessageText}): the database is busy, a lock was held "
                + "past statement_timeout, or an administrator cancelled it. Retried."),
        _ => exception,
    };
}
