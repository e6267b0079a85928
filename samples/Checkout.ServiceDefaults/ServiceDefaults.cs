using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Checkout.ServiceDefaults;

/// <summary>
/// What every checkout service shares: OpenTelemetry traces and metrics (Sagas' sources, ASP.NET Core, HttpClient),
/// exported over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, and the health endpoints the deployments probe.
/// </summary>
public static class ServiceDefaults
{
    /// <summary>Liveness: the process answers. Never checks dependencies (a broker outage must not restart pods).</summary>
    public const string LivePath = "/health/live";

    /// <summary>Readiness: every check tagged <see cref="ReadyTag"/> passes (database, broker, outbox lag).</summary>
    public const string ReadyPath = "/health/ready";

    /// <summary>The tag of readiness checks; MassTransit tags its bus check with it too.</summary>
    public const string ReadyTag = "ready";

    /// <summary>The activity sources and meter of Sagas (Sagas.Diagnostics.SagasDiagnostics, Sagas.Functions.Diagnostics.StepFunctionDiagnostics).</summary>
    public static readonly string[] SagasSources = ["Sagas", "Sagas.Functions"];

    /// <summary>Adds OpenTelemetry for the service <paramref name="serviceName"/>.</summary>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder, string serviceName)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithTracing(tracing => tracing
                .AddSource(SagasSources)
                .AddAspNetCoreInstrumentation(o => o.Filter = context => !context.Request.Path.StartsWithSegments("/health", StringComparison.Ordinal))
                .AddHttpClientInstrumentation())
            .WithMetrics(metrics => metrics
                .AddMeter("Sagas")
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation());
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            telemetry.UseOtlpExporter(); // endpoint, protocol and headers from the standard OTEL_* variables
        }

        builder.Services.AddHealthChecks();
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<UnavailableProblemHandler>(); // an outage of PostgreSQL or the broker is a 503, never a 500
        return builder;
    }

    /// <summary>
    /// Maps <see cref="LivePath"/> and <see cref="ReadyPath"/> (the readiness answer names each failing check and why), and
    /// answers unhandled exceptions with problem+json: 503 with Retry-After for an unavailable dependency, else 500.
    /// </summary>
    public static WebApplication MapHealthEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseExceptionHandler();
        app.MapHealthChecks(LivePath, new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks(ReadyPath, new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ReadyTag),
            ResponseWriter = WriteAsync,
        });
        return app;
    }

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return JsonSerializer.SerializeAsync(context.Response.Body, new
        {
            status = report.Status.ToString(),
            checks = report.Entries.Select(e => new { name = e.Key, status = e.Value.Status.ToString(), description = e.Value.Description ?? e.Value.Exception?.Message }),
        }, cancellationToken: context.RequestAborted);
    }
}
