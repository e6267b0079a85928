using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Sagas;

namespace Checkout.ServiceDefaults;

/// <summary>The infrastructure the checkout's saga services share: PostgreSQL for state, inbox and outbox; RabbitMQ for messages.</summary>
public static class SagaInfrastructure
{
    /// <summary>
    /// Reads <c>ConnectionStrings:Postgres</c> and <c>ConnectionStrings:RabbitMq</c> (an error names a missing one),
    /// keeps sagas, inbox and outbox in PostgreSQL, runs over RabbitMQ, and adds the readiness checks: PostgreSQL, the
    /// bus (MassTransit's own check) and outbox lag (<c>Health:OutboxLagThreshold</c>, default 00:00:30).
    /// </summary>
    public static SagasBuilder UsePostgresAndRabbitMq(this SagasBuilder sagas, IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(sagas);
        ArgumentNullException.ThrowIfNull(builder);
        var postgres = Required(builder.Configuration, "Postgres", "Host=localhost;Database=checkout;Username=checkout;Password=...");
        var rabbitMq = Required(builder.Configuration, "RabbitMq", "amqp://user:password@localhost:5672/");
        builder.Services.AddHealthChecks()
            .AddNpgSql(postgres, name: "postgresql", tags: [ServiceDefaults.ReadyTag])
            .AddSagasOutbox(builder.Configuration.GetValue<TimeSpan?>("Health:OutboxLagThreshold"), [ServiceDefaults.ReadyTag]);
        return sagas
            .UseMarten(o => o.ConnectionString = postgres)
            .UseRabbitMq(o => o.ConnectionString = rabbitMq);
    }

    private static string Required(IConfiguration configuration, string name, string example)
        => configuration.GetConnectionString(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"Set ConnectionStrings:{name} (environment: ConnectionStrings__{name}), e.g. \"{example}\".");
}
