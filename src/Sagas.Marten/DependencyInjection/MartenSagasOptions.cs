namespace Sagas.Marten;

/// <summary>Options of the PostgreSQL store, validated at start.</summary>
public sealed class MartenSagasOptions
{
    /// <summary>The PostgreSQL connection string. Required.</summary>
    public string ConnectionString { get; set; } = string.Empty;

    /// <summary>The PostgreSQL schema holding saga documents, the inbox and the outbox. Default <c>sagas</c>.</summary>
    public string SchemaName { get; set; } = "sagas";

    /// <summary>
    /// Whether missing tables and columns are created at start. Default true. Turn it off where a DBA applies
    /// migrations: export the script with <see cref="MartenSagaSchema.ExportScript"/>.
    /// </summary>
    public bool ApplySchemaChangesAtStart { get; set; } = true;

    /// <summary>Whether this process runs an outbox relay. Default true; any number of processes may run one.</summary>
    public bool RunRelay { get; set; } = true;

    /// <summary>
    /// How old an undelivered message must be before a relay takes it over. The process that committed a message
    /// sends it right away; the relay is for messages whose send failed or whose process died. Default 2 seconds.
    /// </summary>
    public TimeSpan RelayTakeoverDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long the committing process waits for the broker when it sends a message right after the commit; past it
    /// (the broker is unreachable, say) the message is left to the relay, so a caller such as an HTTP request is not
    /// held up by a broker outage. Default 2 s.
    /// </summary>
    public TimeSpan InlineSendTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How many times the relay retries a send that failed (the broker is down, say) before it ends the pass with what it
    /// sent and holds that message back: later passes go on with the others and try it once each, after a backoff from
    /// <see cref="RelaySendRetryDelay"/> up to <see cref="RelaySendRetryMaxDelay"/>. Default 8 (with the delays below,
    /// about 25 s).
    /// </summary>
    public int RelaySendRetries { get; set; } = 8;

    /// <summary>The relay's first delay between send retries, doubled each time (with jitter). Default 100 ms.</summary>
    public TimeSpan RelaySendRetryDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The relay's longest delay between send retries. Default 10 s.</summary>
    public TimeSpan RelaySendRetryMaxDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Most messages one relay claims and delivers per batch. Default 200.</summary>
    public int RelayBatchSize { get; set; } = 200;

    /// <summary>
    /// How often the relay looks for work without being notified: only a fallback, since commits wake it through
    /// <c>LISTEN/NOTIFY</c>. Default 2 seconds.
    /// </summary>
    public TimeSpan RelayPollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long the relay waits after being woken before it claims, so messages committed together travel in one
    /// batch. Trades a little latency for fewer transactions. Default 2 milliseconds; zero disables it.
    /// </summary>
    public TimeSpan RelayBatchWindow { get; set; } = TimeSpan.FromMilliseconds(2);

    /// <summary>
    /// How long an event published with <see cref="Sagas.Outbox.IOutboxPublisher"/> waits, once sent, for a consumer's inbox
    /// (or the dead letters) in this database to record it; while none has, it is sent again after each such wait. Such an
    /// event usually starts a saga, and nothing else waits for it: a copy lost in the broker (a node that came back empty)
    /// would leave its saga never started. Consumers drop the copies. Default 1 minute; zero turns it off (the event is
    /// done with once sent, as every other message is).
    /// </summary>
    public TimeSpan UnconfirmedResendDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long after its commit such an event is still sent again: past it, it is removed from the outbox unrecorded and
    /// an error is logged (its consumer is not in this database, or has been down that long). Default 1 hour; keep it
    /// below <see cref="SagasOptions.InboxRetention"/>.
    /// </summary>
    public TimeSpan UnconfirmedResendWindow { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often expired inbox records are removed. Default 1 minute.</summary>
    public TimeSpan InboxCleanupInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How many expired inbox records one cleanup statement removes. Default 1000.</summary>
    public int InboxCleanupBatchSize { get; set; } = 1000;

    /// <summary>
    /// How long a commit waits for companions while another group is on its way to PostgreSQL, so that concurrent commits
    /// (of different sagas, and of step consumers) share one transaction and one WAL flush. Each keeps its own outcome: a
    /// conflict or a duplicate in one does not affect the others. A commit goes out at once when no group is in flight.
    /// Default 2 milliseconds; zero turns grouping off (every commit is its own transaction).
    /// </summary>
    public TimeSpan GroupCommitWindow { get; set; } = TimeSpan.FromMilliseconds(2);

    /// <summary>Most commits, inbox lookups and loads in one group. Default 64.</summary>
    public int MaxGroupSize { get; set; } = 64;

    /// <summary>
    /// How many groups may be on their way to PostgreSQL at once, each on its own connection: while one waits for its WAL
    /// flush the next executes. Default 4: fewer groups gather more statements each, and on the development machine 4
    /// drained the durable benchmark faster than 2, 8 or 16 (docs/postgresql.md).
    /// </summary>
    public int MaxGroupsInFlight { get; set; } = 4;

    /// <summary>
    /// How many sagas' last committed revision this process keeps, so an event on a saga it committed last needs no read
    /// (a newer revision written by another process shows as a conflict at commit, and the event runs again on a fresh
    /// load). Default 10000; zero turns the cache off.
    /// </summary>
    public int RevisionCacheSize { get; set; } = 10_000;

    /// <summary>Whether <paramref name="message"/> stays in the outbox after it is sent, until a consumer records it.</summary>
    internal bool KeepsUntilConfirmed(Sagas.Outbox.OutboxMessage message)
        => message.ConfirmSource is not null && UnconfirmedResendDelay > TimeSpan.Zero;
}
