using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Sagas.Functions.Http;
using Sagas.Functions.Runner;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the HTTP CloudEvents host of Sagas step functions.</summary>
public static class StepFunctionsEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Serves step commands at <paramref name="pattern"/> (e.g. <c>/steps</c>): <c>POST</c> a CloudEvent in binary,
    /// structured or batch mode (chosen by Content-Type, per the CloudEvents HTTP binding) and get the reply in the
    /// same mode; <c>OPTIONS</c> with <c>WebHook-Request-Origin</c> answers the CloudEvents webhook validation handshake.
    /// </summary>
    /// <remarks>
    /// <para>200: the reply. A business failure is a <c>StepFailed</c> reply with <c>Permanent = true</c> and a handler
    /// exception one with <c>Permanent = false</c>, both with status 200: the step ran and the saga decides what follows,
    /// so HTTP-level retries (which would only get the stored reply back) are kept for transport failures.
    /// A batch is answered with a batch of replies, in order.</para>
    /// <para>Errors, as <c>application/problem+json</c> with an <c>errors</c> array: 400 the event can never run
    /// (malformed, invalid data, unknown type, missing <c>sagastep</c> / <c>sagaattempt</c> / saga id; in a batch, nothing
    /// runs if any event is rejected); 401 missing or wrong signature (when <see cref="StepFunctionHttpOptions.SignatureSecret"/>
    /// is set); 409 the same command is running now (with <c>Retry-After</c>); 413 body over
    /// <see cref="StepFunctionHttpOptions.MaxRequestBodySize"/>; 415 a format other than JSON.</para>
    /// <para>No rate limiting: add ASP.NET Core's rate limiter to the returned group if needed.</para>
    /// </remarks>
    /// <returns>The route group of both endpoints, for conventions (authorization, rate limiting, ...).</returns>
    /// <exception cref="InvalidOperationException"><c>services.AddStepFunctions(...)</c> was not called.</exception>
    /// <exception cref="OptionsValidationException"><see cref="StepFunctionHttpOptions"/> are invalid; the message names the setting.</exception>
    public static RouteGroupBuilder MapStepFunctions(this IEndpointRouteBuilder endpoints, [StringSyntax("Route")] string pattern)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        var services = endpoints.ServiceProvider;
        var runner = services.GetService<StepFunctionRunner>()
            ?? throw new InvalidOperationException("MapStepFunctions needs the step function runner: call services.AddStepFunctions(f => f.AddHandler<...>()) first.");
        var endpoint = new StepFunctionEndpoint(new StepHttpProtocol(runner, services.GetRequiredService<IOptions<StepFunctionHttpOptions>>().Value));

        var group = endpoints.MapGroup(pattern);
        group.MapMethods(string.Empty, [HttpMethods.Post, HttpMethods.Options], endpoint.HandleAsync);
        return group;
    }
}
