using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Sagas.Outbox;

namespace Sagas.Health;

/// <summary>
/// Unhealthy when the oldest deliverable outbox message has waited longer than the threshold: the broker is
/// unreachable or the relay is not keeping up. Degraded past half the threshold.
/// </summary>
internal sealed class OutboxLagHealthCheck(IOutboxMonitor monitor, TimeSpan threshold) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var age = await monitor.OldestUndeliveredAgeAsync(cancellationToken).ConfigureAwait(false);
        var data = new Dictionary<string, object>
        {
            ["oldestUndeliveredSeconds"] = Math.Round(age.TotalSeconds, 3),
            ["thresholdSeconds"] = threshold.TotalSeconds,
        };
        var description = string.Create(CultureInfo.InvariantCulture, $"oldest undelivered outbox message waited {age.TotalSeconds:0.###} s (threshold {threshold.TotalSeconds:0.###} s)");
        return age > threshold ? new HealthCheckResult(context.Registration.FailureStatus, description, data: data)
            : age > threshold / 2 ? HealthCheckResult.Degraded(description, data: data)
            : HealthCheckResult.Healthy(description, data);
    }
}
