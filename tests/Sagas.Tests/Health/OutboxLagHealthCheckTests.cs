using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Sagas.Inbox;
using Sagas.Outbox;
using Sagas.Persistence;
using Sagas.Testing;
using Sagas.Tests.Onboarding;

namespace Sagas.Tests.Health;

public sealed class When_outbox_messages_wait
{
    [Fact]
    public async Task The_outbox_check_is_healthy_then_degraded_then_unhealthy_as_the_oldest_waits_past_the_threshold()
    {
        await using var host = await SagaTestHost.StartAsync(sagas => sagas.AddOnboarding(), services => services.AddHealthChecks().AddSagasOutbox(TimeSpan.FromSeconds(30)));
        var health = host.Services.GetRequiredService<HealthCheckService>();
        bool OutboxOnly(HealthCheckRegistration check) => check.Name == "sagas-outbox"; // MassTransit's bus check has its own timing
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync(OutboxOnly)).Status);

        // A committed message nobody delivered (a broker outage, say).
        var transaction = new MessageTransaction(new InboxKey("tests", "/tests", "1"));
        transaction.Add(new OutboxMessage { Id = Guid.NewGuid(), Destination = new Uri("loopback://localhost/nowhere"), ContentType = "application/cloudevents+json", Body = "{}"u8.ToArray() });
        await host.Services.GetRequiredService<IMessageStore>().CommitAsync(transaction, CancellationToken.None);

        host.Time.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(HealthStatus.Degraded, (await health.CheckHealthAsync(OutboxOnly)).Status);
        host.Time.Advance(TimeSpan.FromSeconds(11));
        var report = await health.CheckHealthAsync(OutboxOnly);
        Assert.Equal(HealthStatus.Unhealthy, report.Status);
        Assert.Contains("31 s", report.Entries["sagas-outbox"].Description, StringComparison.Ordinal);
    }
}
