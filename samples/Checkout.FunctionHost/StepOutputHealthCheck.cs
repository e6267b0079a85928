using Checkout.Steps;
using Checkout.Steps.Invoices;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Checkout.FunctionHost;

/// <summary>Ready when the invoice and mail folders can be written (they are created if missing) and a font for the invoices is there.</summary>
internal sealed class StepOutputHealthCheck(IOptions<CheckoutStepsOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var settings = options.Value;
        foreach (var (setting, folder) in new[] { ("Checkout:OutputDirectory", settings.OutputDirectory), ("Checkout:PickupDirectory", settings.PickupDirectory) })
        {
            try
            {
                Directory.CreateDirectory(folder);
                var probe = Path.Combine(folder, $".ready-{Environment.ProcessId}.tmp");
                File.WriteAllBytes(probe, []);
                File.Delete(probe);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return Task.FromResult(HealthCheckResult.Unhealthy($"{setting} ({folder}) is not writable: {ex.Message}"));
            }
        }

        try
        {
            return Task.FromResult(HealthCheckResult.Healthy($"invoice font {InvoiceFonts.Locate()}"));
        }
        catch (InvalidOperationException ex)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy(ex.Message));
        }
    }
}
