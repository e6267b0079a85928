using System.Globalization;
using System.Net.Mime;
using System.Text.Json;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Sagas.CloudEvents;
using Sagas.Functions.Runner;

namespace Sagas.Functions.Http;

/// <summary>
/// The HTTP host protocol of step functions, once for every host: a request (<see cref="StepHttpExchange"/>) in, an
/// answer (<see cref="StepHttpAnswer"/>) out. <c>POST</c> runs a CloudEvent in binary, structured or batch mode and
/// answers the reply in the same mode; <c>OPTIONS</c> answers the CloudEvents webhook handshake; every error is a
/// <see cref="ProblemDetails"/> with an <c>errors</c> array. The ASP.NET Core endpoint (<c>MapStepFunctions</c>) and the
/// Azure Functions HTTP trigger only translate their request and write the answer.
/// </summary>
internal sealed class StepHttpProtocol(StepFunctionRunner runner, StepFunctionHttpOptions options)
{
    internal const string RequestOriginHeader = "WebHook-Request-Origin";
    internal const string AllowedOriginHeader = "WebHook-Allowed-Origin";
    internal const string AllowedRateHeader = "WebHook-Allowed-Rate";
    internal const string AllowedMethods = "POST, OPTIONS";

    private readonly bool _allowsEveryOrigin = options.AllowedOrigins.Contains("*", StringComparer.Ordinal);

    public async Task<StepHttpAnswer> HandleAsync(StepHttpExchange request, CancellationToken cancellationToken)
    {
        if (HttpMethods.IsOptions(request.Method))
        {
            return Handshake(request);
        }

        if (!HttpMethods.IsPost(request.Method))
        {
            var reason = $"method {request.Method} is not allowed: POST a CloudEvent, or OPTIONS for the webhook handshake";
            return Problem(request, StatusCodes.Status405MethodNotAllowed, "Method not allowed", reason, [reason]).With("Allow", AllowedMethods);
        }

        return await PostAsync(request, cancellationToken).ConfigureAwait(false);
    }

    private async Task<StepHttpAnswer> PostAsync(StepHttpExchange request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > options.MaxRequestBodySize)
        {
            return TooLarge(request);
        }

        var body = request.Body is null ? [] : await StepHttpRequest.ReadBodyAsync(request.Body, options.MaxRequestBodySize, request.ContentLength, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            return TooLarge(request);
        }

        if (options.SignatureSecret is { } secret && StepHttpRequest.SignatureProblem(body, secret, options.SignatureHeaderName, request.Header(options.SignatureHeaderName)) is { } signatureProblem)
        {
            return Problem(request, StatusCodes.Status401Unauthorized, "Invalid request signature", signatureProblem, [signatureProblem])
                .With("WWW-Authenticate", $"HMAC-SHA256 header=\"{options.SignatureHeaderName}\"");
        }

        var mode = StepHttpModes.Detect(request.ContentType, out var unsupported);
        if (unsupported is not null)
        {
            return Problem(request, StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", unsupported, [unsupported]);
        }

        if (mode == StepHttpMode.Batch)
        {
            return await BatchAsync(request, body, cancellationToken).ConfigureAwait(false);
        }

        CloudEvent command;
        try
        {
            command = await runner.Converter.FromHttpRequestAsync(StepHttpRequest.ToRequestMessage(request.ContentType, body, request.Headers)).ConfigureAwait(false);
        }
        catch (CloudEventRejectedException ex)
        {
            return Rejected(request, StepFunctionRejection.From(ex));
        }

        var result = await runner.RunAsync(command, cancellationToken).ConfigureAwait(false);
        return result.Status switch
        {
            StepFunctionStatus.Replied => StepHttpAnswer.Reply(mode == StepHttpMode.Structured
                ? StructuredContent(result.ReplyBody) // the stored reply as it is: not decoded and encoded again
                : runner.Converter.ToHttpContent(result.Reply!, ContentMode.Binary)),
            StepFunctionStatus.Rejected => Rejected(request, result.Rejection!),
            _ => InProgress(request, [$"command '{command.Id}' from '{command.Source}' is already running"]),
        };
    }

    /// <summary>Batch mode: every event checked before any runs; the replies as a batch, in order.</summary>
    private async Task<StepHttpAnswer> BatchAsync(StepHttpExchange request, byte[] body, CancellationToken cancellationToken)
    {
        IReadOnlyList<CloudEvent> commands;
        try
        {
            commands = runner.Converter.Formatter.DecodeBatchModeMessage(body, new ContentType(request.ContentType!), SagaAttributes.All);
        }
        catch (Exception ex) when (ex is ArgumentException or JsonException or FormatException or InvalidOperationException or NotSupportedException)
        {
            return Rejected(request, new StepFunctionRejection(null, null, null, [$"not a valid CloudEvents batch: {ex.Message}"]));
        }

        var batch = await runner.RunBatchAsync(commands, cancellationToken).ConfigureAwait(false);
        if (batch.Rejections.Count > 0)
        {
            return Problem(request, StatusCodes.Status400BadRequest, "The CloudEvents batch was rejected", $"At least one event of the batch cannot be run, so none was run: {string.Join("; ", batch.Rejections)}", batch.Rejections);
        }

        return batch.Running.Count > 0
            ? InProgress(request, batch.Running)
            : StepHttpAnswer.Reply(batch.Replies.ToHttpContent(runner.Converter.Formatter));
    }

    private StepHttpAnswer Handshake(StepHttpExchange request)
    {
        var origins = request.Header(RequestOriginHeader);
        var origin = origins.Count > 0 ? origins[0]?.Trim() ?? string.Empty : string.Empty;
        if (origin.Length == 0)
        {
            // A plain OPTIONS request, not the webhook handshake.
            return new StepHttpAnswer { Status = StatusCodes.Status204NoContent }.With("Allow", AllowedMethods);
        }

        if (!_allowsEveryOrigin && !options.AllowedOrigins.Contains(origin, StringComparer.OrdinalIgnoreCase))
        {
            // No WebHook-Allowed-* headers: that is what withholds consent; the status is informative only.
            var reason = $"origin '{origin}' is not allowed to deliver events to this endpoint";
            return Problem(request, StatusCodes.Status403Forbidden, "Delivery not allowed", reason, [reason]).With("Allow", AllowedMethods);
        }

        return new StepHttpAnswer { Status = StatusCodes.Status200OK }
            .With("Allow", AllowedMethods)
            .With(AllowedOriginHeader, _allowsEveryOrigin ? "*" : origin)
            .With(AllowedRateHeader, options.AllowedRate?.ToString(CultureInfo.InvariantCulture) ?? "*");
    }

    private StepHttpAnswer TooLarge(StepHttpExchange request)
    {
        var reason = $"the request body is larger than the limit of {options.MaxRequestBodySize} bytes";
        return Problem(request, StatusCodes.Status413PayloadTooLarge, "Request too large", reason, [reason]);
    }

    private static StepHttpAnswer Rejected(StepHttpExchange request, StepFunctionRejection rejection)
    {
        var answer = Problem(request, StatusCodes.Status400BadRequest, "The CloudEvent was rejected", rejection.Message, rejection.Reasons);
        AddIfPresent(answer.Problem!, "eventType", rejection.EventType);
        AddIfPresent(answer.Problem!, "eventId", rejection.EventId);
        AddIfPresent(answer.Problem!, "eventSource", rejection.EventSource);
        return answer;
    }

    private static StepHttpAnswer InProgress(StepHttpExchange request, IReadOnlyList<string> reasons)
        => Problem(request, StatusCodes.Status409Conflict, "Already running", "The same command (same source and id) is running now; send it again later to get its reply.", reasons)
            .With("Retry-After", "1");

    private static StepHttpAnswer Problem(StepHttpExchange request, int status, string title, string detail, IReadOnlyList<string> errors)
    {
        var problem = new ProblemDetails { Type = ProblemType(status), Status = status, Title = title, Detail = detail, Instance = request.Path };
        problem.Extensions["errors"] = JsonSerializer.SerializeToElement(errors, StepHttpJsonContext.Default.IReadOnlyListString); // a JsonElement: ASP.NET Core's own metadata writes it, with or without reflection
        return new StepHttpAnswer { Status = status, Problem = problem };
    }

    /// <summary>The RFC 9110 section of a status, as ASP.NET Core's problem details give it.</summary>
    private static string? ProblemType(int status) => status switch
    {
        StatusCodes.Status400BadRequest => "https://tools.ietf.org/html/rfc9110#section-15.5.1",
        StatusCodes.Status401Unauthorized => "https://tools.ietf.org/html/rfc9110#section-15.5.2",
        StatusCodes.Status403Forbidden => "https://tools.ietf.org/html/rfc9110#section-15.5.4",
        StatusCodes.Status405MethodNotAllowed => "https://tools.ietf.org/html/rfc9110#section-15.5.6",
        StatusCodes.Status409Conflict => "https://tools.ietf.org/html/rfc9110#section-15.5.10",
        StatusCodes.Status413PayloadTooLarge => "https://tools.ietf.org/html/rfc9110#section-15.5.14",
        StatusCodes.Status415UnsupportedMediaType => "https://tools.ietf.org/html/rfc9110#section-15.5.16",
        _ => null,
    };

    private static void AddIfPresent(ProblemDetails problem, string name, string? value)
    {
        if (value is not null)
        {
            problem.Extensions[name] = value;
        }
    }

    private static ReadOnlyMemoryContent StructuredContent(ReadOnlyMemory<byte> body)
    {
        var content = new ReadOnlyMemoryContent(body); // the stored bytes themselves, not a copy
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(CloudEventConverter.StructuredContentType) { CharSet = "utf-8" };
        return content;
    }
}
