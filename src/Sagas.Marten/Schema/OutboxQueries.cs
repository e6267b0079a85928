namespace Sagas.Marten.Schema;

/// <summary>The relay's statements on the outbox table, next to its definition (<see cref="SagasTables"/>) and its indexes.</summary>
internal sealed class OutboxQueries(SagasTables tables)
{
    /// <summary>The columns every claim returns, in this order.</summary>
    public const string Columns = "seq, id, destination, content_type, body, headers, saga_id, due_at, created_at, confirm_source";

    /// <summary>
    /// Ready rows (<c>$1</c> most, created at or before <c>$2</c>, not among the rows <c>$3</c> this relay holds back), each
    /// only at the head of its saga: no earlier ready row of the same saga is left in the table (in this statement's
    /// snapshot). A relay holding a saga's head locked until its transaction ends keeps everyone else off that saga, so a
    /// saga's messages are sent in commit order even with several relays. Reads <c>ix_sagas_outbox_ready</c> in key order
    /// (an index scan also marks dead entries, so later scans skip them).
    /// </summary>
    public string ClaimReady { get; } =
        $"select {Columns} from {tables.Outbox} c where due_at is null and created_at <= $2 and not (seq = any($3)) " +
        $"and (saga_id is null or not exists (select 1 from {tables.Outbox} e where e.saga_id = c.saga_id and e.due_at is null and e.seq < c.seq)) " +
        "order by seq limit $1 for update skip locked";

    /// <summary>Scheduled rows due at or before <c>$1</c> (<c>$2</c> most, not among the rows <c>$3</c> this relay holds back), independent of each other (<c>ix_sagas_outbox_due</c>).</summary>
    public string ClaimDue { get; } = $"select {Columns} from {tables.Outbox} where due_at is not null and due_at <= $1 and not (seq = any($3)) order by due_at limit $2 for update skip locked";

    /// <summary>The earliest due time after <c>$1</c>: when the relay must look again.</summary>
    public string NextDue { get; } = $"select min(due_at) from {tables.Outbox} where due_at is not null and due_at > $1";

    /// <summary>
    /// Removes kept events (<see cref="Sagas.Outbox.OutboxMessage.ConfirmSource"/>) due for their check at or before
    /// <c>$1</c> (<c>$2</c> most) that a consumer has recorded: an inbox row of any endpoint, or a dead letter, with their
    /// <c>source</c> and <c>id</c>; returns how many. The inbox's key starts with the endpoint, so its endpoints are found
    /// first by skipping through that index (a handful of probes) and each event is then looked up under each of them: no
    /// index on the inbox's ids taxes every commit for this. Rows a relay holds are skipped.
    /// </summary>
    public string DeleteConfirmed { get; } =
        $"with recursive endpoints(name) as ((select endpoint from {tables.Inbox} order by endpoint limit 1) " +
        $"union all select (select i.endpoint from {tables.Inbox} i where i.endpoint > e.name order by i.endpoint limit 1) from endpoints e where e.name is not null), " +
        $"confirmed as (select o.seq from {tables.Outbox} o where o.confirm_source is not null and o.due_at <= $1 and (" +
        $"exists (select from unnest((select array_agg(name) from endpoints)) e(name) join {tables.Inbox} i on i.endpoint = e.name and i.source = o.confirm_source and i.id = o.id::text) " +
        $"or exists (select from {tables.DeadLetters} d where d.event_id = o.id::text and d.source = o.confirm_source)) " +
        "limit $2 for update of o skip locked), " +
        $"gone as (delete from {tables.Outbox} where seq = any(array(select seq from confirmed)) returning 1) " +
        "select count(*) from gone";

    /// <summary>Keeps sent events that wait for a consumer (<c>$1</c>: their <c>seq</c>) until their next check at <c>$2</c>.</summary>
    public string KeepSent { get; } = $"update {tables.Outbox} set due_at = $2 where seq = any($1)";

    /// <summary>Removes the rows a pass sent (<c>$1</c>: their <c>seq</c>), in the pass's transaction.</summary>
    public string DeleteSent { get; } = $"delete from {tables.Outbox} where seq = any($1)";

    /// <summary>Wakes the relays of every process on this schema.</summary>
    public string Notify { get; } = $"NOTIFY {tables.Channel}";

    /// <summary>Subscribes a connection to <see cref="Notify"/>.</summary>
    public string Listen { get; } = $"LISTEN {tables.Channel}";
}
