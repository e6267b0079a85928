using Npgsql;
using Sagas.Marten.Schema;
using Sagas.Outbox;

namespace Sagas.Marten.Outbox;

/// <summary>Reads the age of the oldest deliverable row of the PostgreSQL outbox (on the application's clock).</summary>
internal sealed class MartenOutboxMonitor(NpgsqlDataSource dataSource, SagasTables tables, TimeProvider time) : IOutboxMonitor
{
    public async ValueTask<TimeSpan> OldestUndeliveredAgeAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var command = dataSource.CreateCommand(
            $"select min(coalesce(due_at, created_at)) from {tables.Outbox} where coalesce(due_at, created_at) <= $1");
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now });
        var oldest = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return oldest is DateTime at ? now - new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : TimeSpan.Zero;
    }
}
