using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Azure.Functions.Worker.Http;
using Sagas.Functions.Http;
using Sagas.Functions.Runner;

namespace Sagas.Functions.Azure.HttpTrigger;

/// <summary>
/// The HTTP trigger of an Azure Functions app (isolated worker) that runs saga steps: call it from an
/// <c>[HttpTrigger]</c> function with methods <c>post</c> and <c>options</c>. Same protocol as the ASP.NET Core host
/// (<c>MapStepFunctions</c>), with the same <see cref="StepFunctionHttpOptions"/>.
/// </summary>
/// <example>
/// <code>
/// [Function("Steps")]
/// public Task&lt;HttpResponseData&gt; Steps([HttpTrigger(AuthorizationLevel.Function, "post", "options", Route = "steps")] HttpRequestData request)
///     => trigger.RunAsync(request);
/// </code>
/// </example>
/// <remarks>
/// <para><c>POST</c> a step command as a CloudEvent in binary mode (<c>ce-*</c> headers, JSON data as the body) or
/// structured mode (<c>application/cloudevents+json</c>), or several in batch mode (<c>application/cloudevents-batch+json</c>:
/// every event is checked before any runs, and the replies come back as a batch, in order); the reply comes back in the
/// same mode with status 200 (a <c>StepFailed</c> reply too: the step ran). <c>OPTIONS</c> with <c>WebHook-Request-Origin</c> answers the CloudEvents
/// webhook validation handshake (Azure Event Grid).</para>
/// <para>Errors, as <c>application/problem+json</c> with an <c>errors</c> array naming each problem: 400 the event can
/// never run (malformed, invalid data, unknown type, missing saga attributes); 401 missing or wrong signature (when
/// <see cref="StepFunctionHttpOptions.SignatureSecret"/> is set); 405 another method; 409 the same command is running
/// now (with <c>Retry-After</c>); 413 body over <see cref="StepFunctionHttpOptions.MaxRequestBodySize"/>; 415 a format
/// other than JSON.</para>
/// <para>Thread-safe; register it as a singleton.</para>
/// </remarks>
public sealed class StepHttpTrigger
{
    private static readonly JsonSerializerOptions ProblemJson = new(JsonSerializerDefaults.Web);
    private readonly StepHttpProtocol _protocol;

    /// <summary>Creates the trigger; <c>AddAzureHttpTrigger</c> registers one in DI.</summary>
    /// <param name="runner">Runs the commands.</param>
    /// <param name="options">Size limit, signature secret and webhook origins (validated by <c>AddStepFunctions</c>).</param>
    public StepHttpTrigger(StepFunctionRunner runner, StepFunctionHttpOptions options)
    {
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(options);
        _protocol = new StepHttpProtocol(runner, options);
    }

    /// <summary>Handles one request; see the class remarks.</summary>
    /// <param name="request">The request as the host binds it.</param>
    /// <returns>The response to return from the function.</returns>
    public async Task<HttpResponseData> RunAsync(HttpRequestData request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var cancellationToken = request.FunctionContext.CancellationToken;
        var exchange = new StepHttpExchange(
            request.Method,
            request.Url.AbsolutePath,
            Header(request, "Content-Type"),
            long.TryParse(Header(request, "Content-Length"), NumberStyles.None, CultureInfo.InvariantCulture, out var length) ? length : null,
            [.. request.Headers.Select(h => KeyValuePair.Create(h.Key, (IEnumerable<string?>)h.Value))],
            request.Body);
        var answer = await _protocol.HandleAsync(exchange, cancellationToken).ConfigureAwait(false);
        var response = request.CreateResponse((HttpStatusCode)answer.Status);
        foreach (var (name, value) in answer.Headers)
        {
            response.Headers.TryAddWithoutValidation(name, value);
        }

        if (answer.Problem is { } problem)
        {
            // ASP.NET Core's ProblemDetails type, serialized as ASP.NET Core writes it, with the invocation to look up in the logs.
            problem.Extensions["invocationId"] = request.FunctionContext.InvocationId;
            response.Headers.TryAddWithoutValidation("Content-Type", "application/problem+json");
            await response.Body.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(problem, ProblemJson), cancellationToken).ConfigureAwait(false);
        }
        else if (answer.Content is { } content)
        {
            using (content)
            {
                var body = await content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
                foreach (var (name, values) in content.Headers)
                {
                    if (!name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                    {
                        response.Headers.TryAddWithoutValidation(name, values);
                    }
                }

                await response.Body.WriteAsync(body, cancellationToken).ConfigureAwait(false);
            }
        }

        return response;
    }

    private static string? Header(HttpRequestData request, string name)
        => request.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
}
