using System.Data.Common;
using System.Net;
using System.Net.Sockets;
using MassTransit;

namespace Sagas.Faults;

/// <summary>
/// Tells faults of the infrastructure (a database, a broker or a network that is unavailable for a while) from the
/// rest. Sagas retries a message that failed with one of them until the outage ends, and never moves it to an error
/// queue: the message is fine, the infrastructure will be back.
/// </summary>
public static class InfrastructureFaults
{
    /// <summary>
    /// Whether <paramref name="exception"/>, or an exception it wraps, is a transient fault of the infrastructure: a
    /// socket or I/O error, a timeout, an HTTP request that got no answer, a <see cref="DbException"/> that says it is
    /// transient (Npgsql: connection refused or lost, the server shutting down or starting up, too many connections), or
    /// a transient MassTransit <see cref="ConnectionException"/> (the broker is unreachable), or a cloud service call
    /// (AWS SDK, Azure SDK: SQS, Storage Queues) that got no answer, timed out, was throttled or failed on the server.
    /// </summary>
    public static bool IsInfrastructure(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case AggregateException aggregate when aggregate.InnerExceptions.Count > 0:
                    return aggregate.InnerExceptions.All(IsInfrastructure);
                case DbException db:
                    return db.IsTransient || IsUnavailableSqlState(db.SqlState) || db.InnerException is { } inner && IsInfrastructure(inner);
                case ConnectionException connection:
                    return connection.IsTransient || connection.InnerException is { } cause && IsInfrastructure(cause);
                case SocketException or IOException or TimeoutException:
                    return true;
                case HttpRequestException http:
                    return http.StatusCode is null || (int)http.StatusCode >= 500;
                case var _ when current.GetType().FullName == ReturnedMessage:
                    return true; // RabbitMQ returned a message it could not route: its queue is not declared (yet)
                case var _ when CloudServiceStatus(current) is { } status:
                    return IsUnavailableStatus(status);
            }
        }

        return false;
    }

    /// <summary>
    /// Whether <paramref name="exception"/> is the broker returning one message it could not route (RabbitMQ with
    /// mandatory routing: no queue is bound for it yet). Unlike an outage it says nothing about the other messages.
    /// Found by name, so that the core references no transport.
    /// </summary>
    internal static bool IsReturnedMessage(Exception exception)
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            if (current.GetType().FullName == ReturnedMessage)
            {
                return true;
            }
        }

        return false;
    }

    private const string ReturnedMessage = "MassTransit.MessageReturnedException";

    // The HTTP status of a cloud SDK's service exception, found by name so that the core references no cloud SDK: AWS's
    // Amazon.Runtime.AmazonServiceException (AmazonSQSException and the others derive from it) and Azure's
    // Azure.RequestFailedException (Storage Queues, Blobs, ...; status 0 when no response came). Null for anything else.
    private static int? CloudServiceStatus(Exception exception)
    {
        for (var type = exception.GetType(); type is not null; type = type.BaseType)
        {
            switch (type.FullName)
            {
                case "Amazon.Runtime.AmazonServiceException":
                    return type.GetProperty("StatusCode")?.GetValue(exception) is HttpStatusCode code ? (int)code : 0;
                case "Azure.RequestFailedException":
                    return type.GetProperty("Status")?.GetValue(exception) as int? ?? 0;
            }
        }

        return null;
    }

    // No answer (0), a timeout (408), throttling (429) or a server-side failure (5xx): the service will take the call later.
    // Any other status (400 a malformed request, 403 a missing permission, 404 a missing queue) is not waited out.
    private static bool IsUnavailableStatus(int status) => status is 0 or 408 or 429 or >= 500;

    // SQLSTATE class 08 (connection exception), 53 (insufficient resources: too many connections, ...), PostgreSQL's
    // 57P01-57P03 (the server is shutting down, crashed, or is starting up) and 40001/40P01 (a serialization failure or a
    // deadlock: retrying the transaction is the documented remedy).
    private static bool IsUnavailableSqlState(string? sqlState)
        => sqlState is { Length: 5 } state
            && (state.StartsWith("08", StringComparison.Ordinal) || state.StartsWith("53", StringComparison.Ordinal)
                || state is "57P01" or "57P02" or "57P03" or "40001" or "40P01");
}
