using Checkout.Steps;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Checkout.FunctionHost;

/// <summary>The routes of the function host and its one "ready" log line.</summary>
internal static partial class FunctionHostEndpoints
{
    /// <summary>Step commands.</summary>
    public const string Steps = "/steps";

    /// <summary>The sandbox CRM, when no real one is configured.</summary>
    public const string SandboxCrm = "/sandbox/crm";

    /// <summary>The tag of the health checks <c>/health/ready</c> runs.</summary>
    public const string ReadyTag = "ready";

    /// <summary>Writes the status, then the description of each check that is not healthy.</summary>
    public static Task WriteHealthAsync(HttpContext context, HealthReport report)
    {
        var problems = report.Entries.Where(e => e.Value.Status != HealthStatus.Healthy).Select(e => $"{e.Key}: {e.Value.Description}");
        return context.Response.WriteAsync(string.Join(Environment.NewLine, problems.Prepend(report.Status.ToString())), context.RequestAborted);
    }

    public static void LogReady(WebApplication app, bool sandboxCrm)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var options = app.Services.GetRequiredService<IOptions<CheckoutStepsOptions>>().Value;
        var mail = options.Smtp.Host is { } host ? $"smtp://{host}:{options.Smtp.Port}" : options.PickupDirectory;
        var crm = sandboxCrm ? $"sandbox at {SandboxCrm}" : options.CrmUrl!.ToString();
        LogReady(app.Logger, string.Join(", ", addresses), Steps, options.OutputDirectory, mail, crm);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Checkout function host ready on {Addresses}: steps at {Steps}; invoices to {Invoices}, mail to {Mail}, CRM {Crm}")]
    private static partial void LogReady(ILogger logger, string addresses, string steps, string invoices, string mail, string crm);
}
