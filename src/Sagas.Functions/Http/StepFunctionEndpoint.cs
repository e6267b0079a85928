using System.Globalization;
using System.Net.Mime;
using System.Text.Json;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Sagas.CloudEvents;
using Sagas.Functions.Runner;

namespace Sagas.Functions.Http;

/// <summary>
/// The request handlers behind <c>MapStepFunctions</c>: POST runs CloudEvents (binary, structured or batch mode),
/// OPTIONS answers the CloudEvents webhook validation handshake.
/// </summary>
/// <remarks>
/// Status codes: 200 with the reply (a <c>StepFailed</c> reply too: the step ran and failed, which is an answer, not an
/// HTTP error); 400 rejected (malformed, invalid, unknown type, missing saga attributes); 401 bad signature; 409 the same
/// command is running; 413 too large; 415 a format other than JSON. Every error body is <c>application/problem+json</c>
/// with an <c>errors</c> array naming each problem.
/// </remarks>
internal sealed class StepFunctionEndpoint(StepFunctionRunner runner, StepFunctionHttpOptions options)
{
    internal const string RequestOriginHeader = "WebHook-Request-Origin";
    internal const string AllowedOriginHeader = "WebHook-Allowed-Origin";
    internal const string AllowedRateHeader = "WebHook-Allowed-Rate";
    private const string AllowedMethods = "POST, OPTIONS";

    private readonly bool _allowsEveryOrigin = options.AllowedOrigins.Contains("*", StringComparer.Ordinal);

    public async Task HandlePostAsync(HttpContext context)
    {
        var request = context.Request;
        var cancellationToken = context.RequestAborted;
        if (request.ContentLength > options.MaxRequestBodySize)
        {
            await TooLargeAsync(context).ConfigureAwait(false);
            return;
        }

        var body = await ReadBodyAsync(context, options.MaxRequestBodySize, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            await TooLargeAsync(context).ConfigureAwait(false);
            return;
        }

        if (options.SignatureSecret is { } secret && !await CheckSignatureAsync(context, body, secret).ConfigureAwait(false))
        {
            return;
        }

        var mode = StepHttpModes.Detect(request.ContentType, out var unsupported);
        if (unsupported is not null)
        {
            await ProblemAsync(context, StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", unsupported, [unsupported]).ConfigureAwait(false);
            return;
        }

        if (mode == StepHttpMode.Batch)
        {
            await HandleBatchAsync(context, body, cancellationToken).ConfigureAwait(false);
            return;
        }

        CloudEvent command;
        try
        {
            command = await runner.Converter.FromHttpRequestAsync(StepHttpRequest.ToRequestMessage(request.ContentType, body, request.Headers.Select(h => KeyValuePair.Create(h.Key, (IEnumerable<string?>)h.Value)))).ConfigureAwait(false);
        }
        catch (CloudEventRejectedException ex)
        {
            await RejectedAsync(context, StepFunctionRejection.From(ex)).ConfigureAwait(false);
            return;
        }

        var result = await runner.RunAsync(command, cancellationToken).ConfigureAwait(false);
        switch (result.Status)
        {
            case StepFunctionStatus.Replied:
                await WriteContentAsync(context, runner.Converter.ToHttpContent(result.Reply!, mode == StepHttpMode.Structured ? ContentMode.Structured : ContentMode.Binary)).ConfigureAwait(false);
                break;
            case StepFunctionStatus.Rejected:
                await RejectedAsync(context, result.Rejection!).ConfigureAwait(false);
                break;
            default:
                await InProgressAsync(context, [$"command '{command.Id}' from '{command.Source}' is already running"]).ConfigureAwait(false);
                break;
        }
    }

    public Task HandleOptionsAsync(HttpContext context)
    {
        context.Response.Headers.Allow = AllowedMethods;
        var origin = context.Request.Headers[RequestOriginHeader].ToString().Trim();
        if (origin.Length == 0)
        {
            // A plain OPTIONS request, not the webhook handshake.
            context.Response.StatusCode = StatusCodes.Status204NoContent;
            return Task.CompletedTask;
        }

        if (!_allowsEveryOrigin && !options.AllowedOrigins.Contains(origin, StringComparer.OrdinalIgnoreCase))
        {
            // No WebHook-Allowed-* headers: that is what withholds consent; the status is informative only.
            var reason = $"origin '{origin}' is not allowed to deliver events to this endpoint";
            return ProblemAsync(context, StatusCodes.Status403Forbidden, "Delivery not allowed", reason, [reason]);
        }

        context.Response.Headers[AllowedOriginHeader] = _allowsEveryOrigin ? "*" : origin;
        context.Response.Headers[AllowedRateHeader] = options.AllowedRate?.ToString(CultureInfo.InvariantCulture) ?? "*";
        context.Response.StatusCode = StatusCodes.Status200OK;
        return Task.CompletedTask;
    }

    private async Task HandleBatchAsync(HttpContext context, byte[] body, CancellationToken cancellationToken)
    {
        IReadOnlyList<CloudEvent> commands;
        try
        {
            commands = runner.Converter.Formatter.DecodeBatchModeMessage(body, new ContentType(context.Request.ContentType!), SagaAttributes.All);
        }
        catch (Exception ex) when (ex is ArgumentException or JsonException or FormatException or InvalidOperationException or NotSupportedException)
        {
            await RejectedAsync(context, new StepFunctionRejection(null, null, null, [$"not a valid CloudEvents batch: {ex.Message}"])).ConfigureAwait(false);
            return;
        }

        var batch = await runner.RunBatchAsync(commands, cancellationToken).ConfigureAwait(false);
        if (batch.Rejections.Count > 0)
        {
            await ProblemAsync(context, StatusCodes.Status400BadRequest, "The CloudEvents batch was rejected", $"At least one event of the batch cannot be run, so none was run: {string.Join("; ", batch.Rejections)}", batch.Rejections).ConfigureAwait(false);
            return;
        }

        if (batch.Running.Count > 0)
        {
            await InProgressAsync(context, batch.Running).ConfigureAwait(false);
            return;
        }

        await WriteContentAsync(context, batch.Replies.ToHttpContent(runner.Converter.Formatter)).ConfigureAwait(false);
    }


    /// <summary>Reads the body, or returns <see langword="null"/> as soon as it exceeds <paramref name="limit"/> bytes.</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpContext context, int limit, CancellationToken cancellationToken)
    {
        // This method enforces the limit (answering 413 with problem details), so the server's own limit steps aside.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = null;
        }

        return await StepHttpRequest.ReadBodyAsync(context.Request.Body, limit, context.Request.ContentLength, cancellationToken).ConfigureAwait(false);
    }

    private async Task<bool> CheckSignatureAsync(HttpContext context, byte[] body, string secret)
    {
        var header = options.SignatureHeaderName;
        var reason = StepHttpRequest.SignatureProblem(body, secret, header, context.Request.Headers[header]);
        if (reason is null)
        {
            return true;
        }

        context.Response.Headers.WWWAuthenticate = $"HMAC-SHA256 header=\"{header}\"";
        await ProblemAsync(context, StatusCodes.Status401Unauthorized, "Invalid request signature", reason, [reason]).ConfigureAwait(false);
        return false;
    }

    private Task TooLargeAsync(HttpContext context)
    {
        var reason = $"the request body is larger than the limit of {options.MaxRequestBodySize} bytes";
        return ProblemAsync(context, StatusCodes.Status413PayloadTooLarge, "Request too large", reason, [reason]);
    }

    private static Task RejectedAsync(HttpContext context, StepFunctionRejection rejection)
    {
        var problem = Problem(context, StatusCodes.Status400BadRequest, "The CloudEvent was rejected", rejection.Message, rejection.Reasons);
        AddIfPresent(problem, "eventType", rejection.EventType);
        AddIfPresent(problem, "eventId", rejection.EventId);
        AddIfPresent(problem, "eventSource", rejection.EventSource);
        return Results.Problem(problem).ExecuteAsync(context);
    }

    private static Task InProgressAsync(HttpContext context, IReadOnlyList<string> reasons)
    {
        context.Response.Headers.RetryAfter = "1";
        return ProblemAsync(context, StatusCodes.Status409Conflict, "Already running", "The same command (same source and id) is running now; send it again later to get its reply.", reasons);
    }

    private static Task ProblemAsync(HttpContext context, int status, string title, string detail, IReadOnlyList<string> errors)
        => Results.Problem(Problem(context, status, title, detail, errors)).ExecuteAsync(context);

    private static ProblemDetails Problem(HttpContext context, int status, string title, string detail, IReadOnlyList<string> errors)
    {
        var problem = new ProblemDetails { Status = status, Title = title, Detail = detail, Instance = context.Request.Path };
        problem.Extensions["errors"] = errors;
        return problem;
    }

    private static void AddIfPresent(ProblemDetails problem, string name, string? value)
    {
        if (value is not null)
        {
            problem.Extensions[name] = value;
        }
    }

    private static async Task WriteContentAsync(HttpContext context, HttpContent content)
    {
        using (content)
        {
            var body = await content.ReadAsByteArrayAsync(context.RequestAborted).ConfigureAwait(false);
            var response = context.Response;
            response.StatusCode = StatusCodes.Status200OK;
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
