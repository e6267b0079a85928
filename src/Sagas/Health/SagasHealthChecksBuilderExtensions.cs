using Microsoft.Extensions.Diagnostics.HealthChecks;
using Sagas.Health;
using Sagas.Outbox;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Health checks of a Sagas application.</summary>
public static class SagasHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds the outbox lag check (<c>sagas-outbox</c>): unhealthy when a committed message has waited longer than
    /// <paramref name="threshold"/> (default 30 s) to be delivered. MassTransit adds its own bus check
    /// (<c>masstransit-bus</c>, tagged <c>ready</c>), which reports whether the transport (e.g. RabbitMQ) is connected.
    /// </summary>
    public static IHealthChecksBuilder AddSagasOutbox(this IHealthChecksBuilder builder, TimeSpan? threshold = null, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var limit = threshold ?? TimeSpan.FromSeconds(30);
        if (limit <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "The outbox lag threshold must be positive.");
        }

        return builder.Add(new HealthCheckRegistration(
            "sagas-outbox",
            sp => new OutboxLagHealthCheck(sp.GetRequiredService<IOutboxMonitor>(), limit),
            HealthStatus.Unhealthy,
            tags ?? ["ready"]));
    }
}
