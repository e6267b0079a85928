using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Sagas.Marten.Tests.Harness;
using Sagas.Testing;

namespace Sagas.Marten.Tests.Health;

public sealed class When_outbox_rows_wait_in_postgresql
{
    [Fact]
    public async Task The_outbox_check_reads_the_oldest_deliverable_row()
    {
        var schema = await PostgresDatabase.FreshSchemaAsync(nameof(When_outbox_rows_wait_in_postgresql));
        await using var app = await MartenCheckout.StartAsync(
            schema,
            services: s => s.AddHealthChecks().AddSagasOutbox(TimeSpan.FromSeconds(30)),
            options: o => o.RunRelay = false); // nobody delivers: the row waits as it would with the broker down
        var health = app.Services.GetRequiredService<HealthCheckService>();
        bool OutboxOnly(HealthCheckRegistration check) => check.Name == "sagas-outbox"; // MassTransit's bus check has its own timing
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync(OutboxOnly)).Status);

        var committed = (app.Time.GetUtcNow() - TimeSpan.FromSeconds(40)).ToString("O", CultureInfo.InvariantCulture);
        await PostgresDatabase.ScalarAsync($"""
            insert into {schema}.sagas_outbox (id, destination, content_type, body, created_at)
            values (gen_random_uuid(), 'loopback://localhost/nowhere', 'application/cloudevents+json', convert_to('{"{}"}', 'UTF8'), '{committed}');
            select 0
            """);

        var report = await health.CheckHealthAsync(OutboxOnly);
        Assert.Equal(HealthStatus.Unhealthy, report.Status);
        Assert.Contains("waited 40 s", report.Entries["sagas-outbox"].Description, StringComparison.Ordinal);
    }
}
