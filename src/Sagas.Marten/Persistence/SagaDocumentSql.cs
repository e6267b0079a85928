using Sagas.Marten.Schema;

namespace Sagas.Marten.Persistence;

/// <summary>
/// The statements on one saga type's Marten document table (<c>id</c>, <c>data</c>, <c>mt_version</c>, <c>mt_dotnet_type</c>,
/// <c>mt_last_modified</c> and the duplicated <c>wake_at</c>, <c>current_state</c> and <c>current_step</c>: <see cref="SagaColumns"/>), written by Sagas so that a commit is one statement in a group:
/// the document is still Marten's, for its LINQ queries and its schema management.
/// </summary>
internal sealed class SagaDocumentSql(string table, SagasTables tables)
{
    /// <summary>The document and its revision: <c>$1</c> the id.</summary>
    public string Load { get; } = $"select data, mt_version from {table} where id = $1";

    /// <summary>
    /// A new saga: returns (inbox record was new, document was new, inbox record written). Parameters after the effects':
    /// <c>$15</c> id, <c>$16</c> data, <c>$17</c> .NET type, <c>$18</c> wake-at, <c>$19</c> current state, <c>$20</c> current step,
    /// <c>$21</c> started-at.
    /// </summary>
    /// <remarks>
    /// The document is written first and the inbox record only with it, so a saga another event created first (the insert
    /// does nothing) writes nothing at all. The inbox is checked before, on the statement's snapshot; a record committed by
    /// another process after that snapshot, for an event that did not create this saga, cannot exist for an event that
    /// creates it, and if it did the statement fails rather than store the saga without its inbox record.
    /// </remarks>
    public string Insert { get; } =
        $"with chk as (select not exists (select from {tables.Inbox} where endpoint = $1 and source = $2 and id = $3) as fresh), " +
        $"doc as (insert into {table} (id, data, mt_dotnet_type, wake_at, current_state, current_step, started_at, mt_version, mt_last_modified) " +
        "select $15, $16, $17, $18, $19, $20, $21, 1, transaction_timestamp() where (select fresh from chk) on conflict (id) do nothing returning 1), " +
        $"ins as (insert into {tables.Inbox} (endpoint, source, id, received_at) select {TransactionEffects.InboxValues} where exists (select from doc) on conflict do nothing returning 1), " +
        $"{TransactionEffects.Sql(tables)} " +
        "select (select fresh from chk), exists (select from doc), " +
        "case when exists (select from doc) and not exists (select from ins) then format('sagas: the inbox record %s appeared while saga %s was created', $3, $15)::int end";

    /// <summary>
    /// A new revision of a stored saga: returns (revision matched and row locked, inbox record written, the ids of the
    /// saga's rows still in the outbox ahead of this commit's, the handled message's own excepted: rows its own transitions
    /// committed, not a consumer's reply to it). Parameters after
    /// the effects': <c>$15</c> id, <c>$16</c> data, <c>$17</c> .NET type, <c>$18</c> wake-at, <c>$19</c> current state, <c>$20</c>
    /// current step, <c>$21</c> started-at, <c>$22</c> expected revision.
    /// </summary>
    /// <remarks>
    /// The row is locked at the expected revision first (a concurrent writer is waited for, and its newer revision seen), the
    /// inbox record written only then, and the document only with the record: a conflict or a duplicate writes nothing.
    /// The rows ahead are read on the statement's snapshot, which does not hold the rows it inserts; the fast path waits
    /// for them before sending (<see cref="Outbox.SagaOrder"/>), through <c>ix_sagas_outbox_saga_ready</c>.
    /// </remarks>
    public string Update { get; } =
        $"with chk as (select 1 from {table} where id = $15 and mt_version = $22 for update), " +
        $"ins as (insert into {tables.Inbox} (endpoint, source, id, received_at) select {TransactionEffects.InboxValues} where exists (select from chk) on conflict do nothing returning 1), " +
        $"doc as (update {table} set data = $16, mt_dotnet_type = $17, wake_at = $18, current_state = $19, current_step = $20, started_at = $21, mt_version = $22 + 1, mt_last_modified = transaction_timestamp() " +
        "where id = $15 and exists (select from ins) returning 1), " +
        $"{TransactionEffects.Sql(tables)} " +
        "select exists (select from chk), exists (select from ins), " +
        $"case when exists (select from ins) then array(select e.id from {tables.Outbox} e where e.saga_id = $15 and e.due_at is null and e.saga_commit is not false and e.id::text <> $3) end";
}
