using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace Sagas.Marten.Schema;

/// <summary>The inbox, outbox and dead-letter tables, declared for Marten/Weasel so they are created and migrated with the documents.</summary>
internal sealed class SagasTables(string schema)
{
    public string Inbox { get; } = $"{schema}.sagas_inbox";

    public string Outbox { get; } = $"{schema}.sagas_outbox";

    public string DeadLetters { get; } = $"{schema}.sagas_dead_letters";

    /// <summary>The <c>NOTIFY</c> channel a commit with deliverable messages signals.</summary>
    public string Channel { get; } = $"sagas_outbox_{schema}";

    public IEnumerable<Table> Tables()
    {
        var inbox = new Table(new PostgresqlObjectName(schema, "sagas_inbox", SchemaUtils.IdentifierUsage.General));
        inbox.AddColumn("endpoint", "text").AsPrimaryKey();
        inbox.AddColumn("source", "text").AsPrimaryKey();
        inbox.AddColumn("id", "text").AsPrimaryKey();
        inbox.AddColumn("received_at", "timestamptz").NotNull();
        inbox.Indexes.Add(new IndexDefinition("ix_sagas_inbox_received_at").AgainstColumns("received_at"));
        QueueTable(inbox);
        yield return inbox;

        var outbox = new Table(new PostgresqlObjectName(schema, "sagas_outbox", SchemaUtils.IdentifierUsage.General));
        outbox.AddColumn<long>("seq").BigAutoIncrement().AsPrimaryKey();
        outbox.AddColumn("id", "uuid").NotNull();
        outbox.AddColumn("destination", "text").NotNull();
        outbox.AddColumn("content_type", "text").NotNull();
        outbox.AddColumn("body", "bytea").NotNull();
        outbox.AddColumn("headers", "jsonb");
        outbox.AddColumn("saga_id", "uuid");
        outbox.AddColumn("saga_commit", "boolean"); // null: written before the column, when every row with a saga id counted as the saga's own
        outbox.AddColumn("due_at", "timestamptz");
        outbox.AddColumn("created_at", "timestamptz").NotNull();
        outbox.AddColumn("confirm_source", "text");
        outbox.Indexes.Add(new IndexDefinition("ux_sagas_outbox_id") { IsUnique = true }.AgainstColumns("id"));
        outbox.Indexes.Add(new IndexDefinition("ix_sagas_outbox_ready") { Predicate = "due_at is null" }.AgainstColumns("seq"));
        outbox.Indexes.Add(new IndexDefinition("ix_sagas_outbox_saga_ready") { Predicate = "due_at is null" }.AgainstColumns("saga_id", "seq"));
        outbox.Indexes.Add(new IndexDefinition("ix_sagas_outbox_due") { Predicate = "due_at is not null" }.AgainstColumns("due_at"));
        outbox.Indexes.Add(new IndexDefinition("ix_sagas_outbox_confirm") { Predicate = "confirm_source is not null" }.AgainstColumns("due_at"));
        QueueTable(outbox);
        yield return outbox;

        var deadLetters = new Table(new PostgresqlObjectName(schema, "sagas_dead_letters", SchemaUtils.IdentifierUsage.General));
        deadLetters.AddColumn("id", "uuid").AsPrimaryKey();
        deadLetters.AddColumn("at", "timestamptz").NotNull();
        deadLetters.AddColumn("endpoint", "text").NotNull();
        deadLetters.AddColumn("event_id", "text");
        deadLetters.AddColumn("event_type", "text");
        deadLetters.AddColumn("source", "text");
        deadLetters.AddColumn("reasons", "text[]").NotNull();
        deadLetters.AddColumn("content_type", "text").NotNull();
        deadLetters.AddColumn("body", "text").NotNull();
        deadLetters.AddColumn("resolution", "text");
        deadLetters.AddColumn("resolved_at", "timestamptz");
        deadLetters.AddColumn("note", "text");
        deadLetters.Indexes.Add(new IndexDefinition("ix_sagas_dead_letters_open") { Predicate = "resolution is null" }.AgainstColumns("id"));
        deadLetters.Indexes.Add(new IndexDefinition("ix_sagas_dead_letters_event").AgainstColumns("event_id"));
        yield return deadLetters;
    }

    // Both tables are queues: every row is inserted once and deleted soon after. Vacuum them after a fixed number
    // of dead rows rather than a fraction of the table, or index scans wade through dead entries under load.
    private static void QueueTable(Table table)
        => table.WithFillFactor(90).WithAutovacuum(
            enabled: true,
            vacuumThreshold: 1000,
            vacuumScaleFactor: 0,
            analyzeThreshold: 1000,
            analyzeScaleFactor: 0,
            insertThreshold: 1000,
            insertScaleFactor: 0);
}
