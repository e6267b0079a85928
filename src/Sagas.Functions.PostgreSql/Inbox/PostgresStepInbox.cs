using Npgsql;
using NpgsqlTypes;
using Sagas.Functions.Inbox;

namespace Sagas.Functions.PostgreSql.Inbox;

/// <summary>
/// An <see cref="IStepInbox"/> in one PostgreSQL table, shared by every instance of a function: claims and replies
/// survive restarts, and two instances handed the same command never both run it (until a claim expires).
/// </summary>
/// <remarks>Times come from the <see cref="TimeProvider"/> (the instances' clocks), not the database's.</remarks>
public sealed class PostgresStepInbox : IStepInbox, IAsyncDisposable
{
    private static readonly TimeSpan SweepInterval = TimeSpan.FromMinutes(1);
    private readonly NpgsqlDataSource _dataSource;
    private readonly TimeProvider _time;
    private readonly TimeSpan _retention;
    private readonly TimeSpan _claimTimeout;
    private readonly string _table;
    private readonly string _schema;
    private readonly bool _createTable;
    private readonly SemaphoreSlim _created = new(1, 1);
    private volatile bool _ready;
    private long _nextSweep;

    /// <summary>Creates the inbox.</summary>
    /// <param name="connectionString">The database.</param>
    /// <param name="schema">The table's schema.</param>
    /// <param name="createTableIfMissing">Whether to create the schema and table at first use.</param>
    /// <param name="timeProvider">The clock of claim expiry and retention.</param>
    /// <param name="retention">How long a reply is kept.</param>
    /// <param name="claimTimeout">How long an unfinished claim blocks duplicates.</param>
    public PostgresStepInbox(string connectionString, string schema, bool createTableIfMissing, TimeProvider timeProvider, TimeSpan retention, TimeSpan claimTimeout)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        ArgumentException.ThrowIfNullOrWhiteSpace(schema);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(retention, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(claimTimeout, TimeSpan.Zero);
        var dataSource = new NpgsqlDataSourceBuilder(connectionString);
        dataSource.ConnectionStringBuilder.NoResetOnClose = true; // no session state is kept: skip DISCARD ALL on every pooled use
        if (dataSource.ConnectionStringBuilder.MaxAutoPrepare == 0)
        {
            dataSource.ConnectionStringBuilder.MaxAutoPrepare = 16; // claim, read, complete, sweep: parsed and planned once per connection
        }

        _dataSource = dataSource.Build();
        _schema = schema;
        _table = $"{schema}.sagas_step_inbox";
        _createTable = createTableIfMissing;
        _time = timeProvider;
        _retention = retention;
        _claimTimeout = claimTimeout;
    }

    /// <inheritdoc />
    public async ValueTask<StepInboxClaim> TryClaimAsync(StepInboxKey key, CancellationToken cancellationToken = default)
    {
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        await SweepIfDueAsync(now, cancellationToken).ConfigureAwait(false);
        var leaseId = Guid.NewGuid();

        // Take the key when it is new, or when its claim or its reply has expired; otherwise report what is there.
        await using (var claim = Command(
            $"""
            insert into {_table} as t (endpoint, source, id, lease_id, expires_at, reply)
            values ($1, $2, $3, $4, $5, null)
            on conflict (endpoint, source, id) do update set lease_id = excluded.lease_id, expires_at = excluded.expires_at, reply = null
            where t.expires_at <= $6
            returning lease_id
            """,
            key,
            Parameter(leaseId),
            Parameter(now + _claimTimeout),
            Parameter(now)))
        {
            if (await claim.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is Guid claimed && claimed == leaseId)
            {
                return StepInboxClaim.Claimed(leaseId);
            }
        }

        await using var read = Command($"select reply from {_table} where endpoint = $1 and source = $2 and id = $3", key);
        return await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is byte[] reply
            ? StepInboxClaim.Completed(reply)
            : StepInboxClaim.InProgress();
    }

    /// <inheritdoc />
    public async ValueTask<ReadOnlyMemory<byte>> CompleteAsync(StepInboxKey key, Guid leaseId, ReadOnlyMemory<byte> reply, CancellationToken cancellationToken = default)
    {
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();

        // The first reply wins: store this one unless a reply is already there (another execution finished first).
        await using (var complete = Command(
            $"""
            insert into {_table} as t (endpoint, source, id, lease_id, expires_at, reply)
            values ($1, $2, $3, $4, $5, $6)
            on conflict (endpoint, source, id) do update set lease_id = excluded.lease_id, expires_at = excluded.expires_at, reply = excluded.reply
            where t.reply is null or t.expires_at <= $7
            returning reply
            """,
            key,
            Parameter(leaseId),
            Parameter(now + _retention),
            new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bytea, Value = reply.ToArray() },
            Parameter(now)))
        {
            if (await complete.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is byte[] stored)
            {
                return stored;
            }
        }

        await using var read = Command($"select reply from {_table} where endpoint = $1 and source = $2 and id = $3", key);
        return await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as byte[] ?? reply.ToArray();
    }

    /// <inheritdoc />
    public async ValueTask ReleaseAsync(StepInboxKey key, Guid leaseId, CancellationToken cancellationToken = default)
    {
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        await using var release = Command($"delete from {_table} where endpoint = $1 and source = $2 and id = $3 and reply is null and lease_id = $4", key, Parameter(leaseId));
        await release.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _dataSource.DisposeAsync().ConfigureAwait(false);
        _created.Dispose();
    }

    private NpgsqlCommand Command(string sql, StepInboxKey key, params NpgsqlParameter[] more)
    {
        var command = _dataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key.Endpoint });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key.Source });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key.Id });
        command.Parameters.AddRange(more);
        return command;
    }

    private static NpgsqlParameter<Guid> Parameter(Guid value) => new NpgsqlParameter<Guid> { TypedValue = value };

    private static NpgsqlParameter<DateTimeOffset> Parameter(DateTimeOffset value) => new NpgsqlParameter<DateTimeOffset> { TypedValue = value };

    private async Task SweepIfDueAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var due = Interlocked.Read(ref _nextSweep);
        if (now.UtcTicks < due || Interlocked.CompareExchange(ref _nextSweep, (now + SweepInterval).UtcTicks, due) != due)
        {
            return;
        }

        await using var sweep = _dataSource.CreateCommand(
            $"delete from {_table} where ctid in (select ctid from {_table} where expires_at <= $1 limit 1000)");
        sweep.Parameters.Add(Parameter(now));
        await sweep.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task EnsureTableAsync(CancellationToken cancellationToken)
    {
        if (_ready || !_createTable)
        {
            return;
        }

        await _created.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_ready)
            {
                // One statement batch, one implicit transaction: the advisory lock serializes instances creating the
                // table at once ("if not exists" alone races on the table's row type).
                await using var create = _dataSource.CreateCommand(
                    $"""
                    select pg_advisory_xact_lock(hashtext('sagas_step_inbox'));
                    create schema if not exists {_schema};
                    create table if not exists {_table} (
                        endpoint text not null,
                        source text not null,
                        id text not null,
                        lease_id uuid not null,
                        expires_at timestamptz not null,
                        reply bytea,
                        primary key (endpoint, source, id));
                    create index if not exists ix_sagas_step_inbox_expires_at on {_table} (expires_at);
                    """);
                await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                _ready = true;
            }
        }
        finally
        {
            _created.Release();
        }
    }
}
