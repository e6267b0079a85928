using Checkout;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Sagas.Marten.Inbox;
using Sagas.Marten.Tests.Harness;
using Sagas.Testing;

namespace Sagas.Marten.Tests.Inbox;

public sealed class InboxCleanupTests
{
    [Fact]
    public async Task Cleanup_removes_only_records_older_than_the_retention_in_batches()
    {
        var schema = await PostgresDatabase.FreshSchemaAsync(nameof(InboxCleanupTests));
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero));
        var services = new ServiceCollection().AddLogging().AddSingleton<TimeProvider>(time);
        services.AddSagas(s => s.AddCheckout()
            .Configure(o => o.InboxRetention = TimeSpan.FromDays(7))
            .UseMarten(o =>
            {
                o.ConnectionString = PostgresDatabase.ConnectionString;
                o.SchemaName = schema;
                o.InboxCleanupBatchSize = 10;
            }));
        await using var provider = services.BuildServiceProvider();
        await MartenSagaSchema.ApplyAsync(provider);
        await PostgresDatabase.ScalarAsync($"""
            insert into {schema}.sagas_inbox (endpoint, source, id, received_at)
            select 'e', '/s', 'old-' || g, timestamptz '2026-05-20T00:00:00Z' from generate_series(1, 25) g
            union all
            select 'e', '/s', 'new-' || g, timestamptz '2026-05-30T00:00:00Z' from generate_series(1, 5) g;
            select 0
            """);

        var removed = await provider.GetRequiredService<InboxCleanup>().CleanAsync(default);

        Assert.Equal(25, removed);
        Assert.Equal(0, await PostgresDatabase.ScalarAsync($"select count(*) from {schema}.sagas_inbox where id like 'old-%'"));
        Assert.Equal(5, await PostgresDatabase.ScalarAsync($"select count(*) from {schema}.sagas_inbox where id like 'new-%'"));
    }
}
