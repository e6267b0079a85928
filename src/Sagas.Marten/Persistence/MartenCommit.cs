using System.Text.Json;
using Marten;
using Npgsql;
using Sagas.Marten.Schema;
using Sagas.Persistence;

namespace Sagas.Marten.Persistence;

/// <summary>Queues a message transaction's inbox record, outgoing messages and cancellations on a Marten session.</summary>
internal static class MartenCommit
{
    public static void Queue(IDocumentSession session, SagasTables tables, MessageTransaction transaction, DateTimeOffset now)
    {
        var key = transaction.InboxKey;
        session.QueueSqlCommand($"insert into {tables.Inbox} (endpoint, source, id, received_at) values (?, ?, ?, ?)", key.Endpoint, key.Source, key.Id, now);
        if (transaction.Cancelled.Count > 0)
        {
            session.QueueSqlCommand($"delete from {tables.Outbox} where id = any(?)", transaction.Cancelled.ToArray());
        }

        foreach (var message in transaction.Outgoing)
        {
            session.QueueSqlCommand(
                $"insert into {tables.Outbox} (id, destination, content_type, body, headers, saga_id, due_at, created_at) values (?, ?, ?, ?, ?::jsonb, ?, ?, ?)",
                message.Id,
                message.Destination.ToString(),
                message.ContentType,
                message.Body.ToArray(),
                message.Headers is null ? DBNull.Value : JsonSerializer.Serialize(message.Headers),
                message.SagaId is { } saga ? saga : DBNull.Value,
                message.DueTime is { } due ? due : DBNull.Value,
                now);
        }

        // No NOTIFY here: PostgreSQL serializes every committing transaction that notifies on one global lock
        // (held across the WAL flush), which caps commits per second. The relay notifies after the commit.
    }

    /// <summary>Whether <paramref name="exception"/> is the inbox refusing a record it already holds.</summary>
    public static bool IsDuplicateInboxRecord(Exception exception, SagasTables tables)
        => FindPostgres(exception) is { SqlState: PostgresErrorCodes.UniqueViolation } postgres
            && postgres.TableName == "sagas_inbox";

    /// <summary>Whether <paramref name="exception"/> is an insert of a saga document that another event inserted first.</summary>
    public static bool IsDuplicateDocument(Exception exception)
        => exception.GetType().Name == "DocumentAlreadyExistsException"
            || (FindPostgres(exception) is { SqlState: PostgresErrorCodes.UniqueViolation } postgres && postgres.TableName?.StartsWith("mt_doc_", StringComparison.Ordinal) == true);

    private static PostgresException? FindPostgres(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is PostgresException postgres)
            {
                return postgres;
            }
        }

        return null;
    }
}
