using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Checkout.Steps.CrmUpdates;
using Checkout.Steps.Sandbox;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the sandbox CRM of the checkout sample.</summary>
public static class SandboxCrmEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Serves <see cref="SandboxCrm"/> at <c>POST {pattern}</c>: a JSON <see cref="CrmOrderUpdate"/> with an
    /// <c>Idempotency-Key</c> header is answered 204 (recorded), 503 (the sample's flaky and down customers) or 400 with a
    /// problem body (no key, or not an update). <c>AddCheckoutSteps</c> registers the <see cref="SandboxCrm"/>.
    /// </summary>
    public static IEndpointConventionBuilder MapSandboxCrm(this IEndpointRouteBuilder endpoints, [StringSyntax("Route")] string pattern = "/sandbox/crm")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var crm = endpoints.ServiceProvider.GetService<SandboxCrm>()
            ?? throw new InvalidOperationException("MapSandboxCrm needs the sandbox CRM: call services.AddStepFunctions(f => f.AddCheckoutSteps(...)) first.");
        return endpoints.MapPost(pattern, async (HttpRequest request) =>
        {
            var key = request.Headers[CrmClient.IdempotencyKeyHeader].ToString();
            if (string.IsNullOrEmpty(key))
            {
                return Results.Problem(statusCode: 400, title: "Idempotency-Key missing", detail: "Every CRM update carries an Idempotency-Key header.");
            }

            CrmOrderUpdate? update;
            try
            {
                update = await request.ReadFromJsonAsync(CrmJsonContext.Default.CrmOrderUpdate, request.HttpContext.RequestAborted).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException)
            {
                return Results.Problem(statusCode: 400, title: "Not an order update", detail: ex.Message);
            }

            if (update is null || update.OrderId == Guid.Empty || string.IsNullOrEmpty(update.CustomerId))
            {
                return Results.Problem(statusCode: 400, title: "Not an order update", detail: "orderId and customerId are required.");
            }

            return crm.Handle(update, key) == StatusCodes.Status204NoContent
                ? Results.NoContent()
                : Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "CRM unavailable", detail: $"The sandbox CRM is down for customer {update.CustomerId}.");
        });
    }
}
