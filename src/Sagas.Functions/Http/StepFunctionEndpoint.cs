using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Sagas.Functions.Http;

/// <summary>
/// The ASP.NET Core adapter of <see cref="StepHttpProtocol"/> behind <c>MapStepFunctions</c>: POST runs CloudEvents
/// (binary, structured or batch mode), OPTIONS answers the CloudEvents webhook validation handshake; problems are
/// written by ASP.NET Core's own <see cref="Results.Problem(Microsoft.AspNetCore.Mvc.ProblemDetails)"/>.
/// </summary>
/// <remarks>
/// Status codes: 200 with the reply (a <c>StepFailed</c> reply too: the step ran and failed, which is an answer, not an
/// HTTP error); 400 rejected (malformed, invalid, unknown type, missing saga attributes); 401 bad signature; 409 the same
/// command is running; 413 too large; 415 a format other than JSON. Every error body is <c>application/problem+json</c>
/// with an <c>errors</c> array naming each problem.
/// </remarks>
internal sealed class StepFunctionEndpoint(StepHttpProtocol protocol)
{
    public async Task HandleAsync(HttpContext context)
    {
        // The protocol enforces the size limit (answering 413 with problem details), so the server's own limit steps aside.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = null;
        }

        var request = context.Request;
        var exchange = new StepHttpExchange(
            request.Method,
            request.Path,
            request.ContentType,
            request.ContentLength,
            [.. request.Headers.Select(h => KeyValuePair.Create(h.Key, (IEnumerable<string?>)h.Value))],
            request.Body);
        var answer = await protocol.HandleAsync(exchange, context.RequestAborted).ConfigureAwait(false);
        var response = context.Response;
        foreach (var (name, value) in answer.Headers)
        {
            response.Headers.Append(name, value);
        }

        if (answer.Problem is { } problem)
        {
            await Results.Problem(problem).ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        response.StatusCode = answer.Status;
        if (answer.Content is not { } content)
        {
            return;
        }

        using (content)
        {
            var body = await content.ReadAsByteArrayAsync(context.RequestAborted).ConfigureAwait(false);
            foreach (var (name, values) in content.Headers)
            {
                if (!name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                {
                    response.Headers[name] = values.ToArray();
                }
            }

            response.ContentLength = body.Length;
            await response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
        }
    }
}
