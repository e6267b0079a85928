using System.Data.Common;
using Npgsql;

namespace Sagas.Marten.Persistence.Groups;

/// <summary>
/// PostgreSQL cancelled a statement of Sagas: it ran past the server's <c>statement_timeout</c> (a busy or locked database)
/// or an administrator cancelled it. Sagas never cancels its own commits, so nothing is wrong with the message being
/// handled: a transient fault of the infrastructure (<see cref="Sagas.Faults.InfrastructureFaults"/>), retried, never moved
/// to an error queue. Whether the group committed is known (a cancelled statement rolls its transaction back).
/// </summary>
internal sealed class StatementCanceledException(PostgresException canceled) : DbException(
    $"PostgreSQL cancelled a Sagas statement ({canceled.MessageText}): the database is busy, a lock was held past statement_timeout, "
    + "or an administrator cancelled it. Retried.",
    canceled)
{
    public override bool IsTransient => true;

    public override string? SqlState => canceled.SqlState;

    /// <summary>The exception to report for <paramref name="exception"/>: this one when PostgreSQL cancelled the statement.</summary>
    public static Exception Of(Exception exception)
        => exception is PostgresException { SqlState: PostgresErrorCodes.QueryCanceled } canceled ? new StatementCanceledException(canceled) : exception;
}
