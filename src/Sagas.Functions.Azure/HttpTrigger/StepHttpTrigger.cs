using System.Buffers;
using System.Globalization;
using System.Net;
using System.Text.Json;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.Http;
using Microsoft.Azure.Functions.Worker.Http;
using Microsoft.Extensions.Options;
using Sagas.CloudEvents;
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
    private const string RequestOriginHeader = "WebHook-Request-Origin";
    private const string AllowedMethods = "POST, OPTIONS";

    private readonly StepFunctionRunner _runner;
    private readonly StepFunctionHttpOptions _options;
    private readonly bool _allowsEveryOrigin;

    /// <summary>Creates the trigger; <c>AddAzureHttpTrigger</c> registers one in DI.</summary>
    /// <param name="runner">Runs the commands.</param>
    /// <param name="options">Size limit, signature secret and webhook origins (validated by <c>AddStepFunctions</c>).</param>
    public StepHttpTrigger(StepFunctionRunner runner, StepFunctionHttpOptions options)
    {
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(options);
        _runner = runner;
        _options = options;
        _allowsEveryOrigin = options.AllowedOrigins.Contains("*", StringComparer.Ordinal);
    }

    /// <summary>Handles one request; see the class remarks.</summary>
    /// <param name="request">The request as the host binds it.</param>
    /// <returns>The response to return from the function.</returns>
    public async Task<HttpResponseData> RunAsync(HttpRequestData request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.Equals(request.Method, "OPTIONS", StringComparison.OrdinalIgnoreCase))
        {
            return Handshake(request);
        }

        if (!string.Equals(request.Method, "POST", StringComparison.OrdinalIgnoreCase))
        {
            var reason = $"method {request.Method} is not allowed: POST a CloudEvent, or OPTIONS for the webhook handshake";
            var response = await ProblemAsync(request, HttpStatusCode.MethodNotAllowed, "Method not allowed", reason, [reason]).ConfigureAwait(false);
            response.Headers.TryAddWithoutValidation("Allow", AllowedMethods);
            return response;
        }

        return await PostAsync(request, request.FunctionContext.CancellationToken).ConfigureAwait(false);
    }

    private async Task<HttpResponseData> PostAsync(HttpRequestData request, CancellationToken cancellationToken)
    {
        if (long.TryParse(Header(request, "Content-Length"), NumberStyles.None, CultureInfo.InvariantCulture, out var length) && length > _options.MaxRequestBodySize)
        {
            return await TooLargeAsync(request).ConfigureAwait(false);
        }

        var body = request.Body is null ? [] : await StepHttpRequest.ReadBodyAsync(request.Body, _options.MaxRequestBodySize, length > 0 ? length : null, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            return await TooLargeAsync(request).ConfigureAwait(false);
        }

        if (_options.SignatureSecret is { } secret && StepHttpRequest.SignatureProblem(body, secret, _options.SignatureHeaderName, request.Headers.TryGetValues(_options.SignatureHeaderName, out var signatures) ? [.. signatures] : []) is { } signatureProblem)
        {
            var response = await ProblemAsync(request, HttpStatusCode.Unauthorized, "Invalid request signature", signatureProblem, [signatureProblem]).ConfigureAwait(false);
            response.Headers.TryAddWithoutValidation("WWW-Authenticate", $"HMAC-SHA256 header=\"{_options.SignatureHeaderName}\"");
            return response;
        }

        var contentType = Header(request, "Content-Type");
        var mode = StepHttpModes.Detect(contentType, out var unsupported);
        if (unsupported is not null)
        {
            return await ProblemAsync(request, HttpStatusCode.UnsupportedMediaType, "Unsupported media type", unsupported, [unsupported]).ConfigureAwait(false);
        }

        if (mode == StepHttpMode.Batch)
        {
            return await BatchAsync(request, contentType!, body, cancellationToken).ConfigureAwait(false);
        }

        CloudEvent command;
        try
        {
            command = await _runner.Converter.FromHttpRequestAsync(StepHttpRequest.ToRequestMessage(contentType, body, request.Headers.Select(h => KeyValuePair.Create(h.Key, (IEnumerable<string?>)h.Value)))).ConfigureAwait(false);
        }
        catch (CloudEventRejectedException ex)
        {
            return await RejectedAsync(request, StepFunctionRejection.From(ex)).ConfigureAwait(false);
        }

        var result = await _runner.RunAsync(command, cancellationToken).ConfigureAwait(false);
        switch (result.Status)
        {
            case StepFunctionStatus.Replied:
                using (var content = _runner.Converter.ToHttpContent(result.Reply!, mode == StepHttpMode.Binary ? ContentMode.Binary : ContentMode.Structured))
                {
                    return await WriteContentAsync(request, content, cancellationToken).ConfigureAwait(false);
                }

            case StepFunctionStatus.Rejected:
                return await RejectedAsync(request, result.Rejection!).ConfigureAwait(false);
            default:
                return await InProgressAsync(request, [$"command '{command.Id}' from '{command.Source}' is already running"]).ConfigureAwait(false);
        }
    }

    /// <summary>Batch mode: every event checked before any runs; the replies as a batch, in order.</summary>
    private async Task<HttpResponseData> BatchAsync(HttpRequestData request, string contentType, byte[] body, CancellationToken cancellationToken)
    {
        IReadOnlyList<CloudEvent> commands;
        try
        {
            commands = _runner.Converter.Formatter.DecodeBatchModeMessage(body, new System.Net.Mime.ContentType(contentType), SagaAttributes.All);
        }
        catch (Exception ex) when (ex is ArgumentException or System.Text.Json.JsonException or FormatException or InvalidOperationException or NotSupportedException)
        {
            return await RejectedAsync(request, new StepFunctionRejection(null, null, null, [$"not a valid CloudEvents batch: {ex.Message}"])).ConfigureAwait(false);
        }

        var batch = await _runner.RunBatchAsync(commands, cancellationToken).ConfigureAwait(false);
        if (batch.Rejections.Count > 0)
        {
            return await ProblemAsync(request, HttpStatusCode.BadRequest, "The CloudEvents batch was rejected", $"At least one event of the batch cannot be run, so none was run: {string.Join("; ", batch.Rejections)}", batch.Rejections).ConfigureAwait(false);
        }

        if (batch.Running.Count > 0)
        {
            return await InProgressAsync(request, batch.Running).ConfigureAwait(false);
        }

        using var content = batch.Replies.ToHttpContent(_runner.Converter.Formatter);
        return await WriteContentAsync(request, content, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<HttpResponseData> InProgressAsync(HttpRequestData request, IReadOnlyList<string> running)
    {
        var response = await ProblemAsync(
            request,
            HttpStatusCode.Conflict,
            "Already running",
            "The same command (same source and id) is running now; send it again later to get its reply.",
            running).ConfigureAwait(false);
        response.Headers.TryAddWithoutValidation("Retry-After", "1");
        return response;
    }

    private HttpResponseData Handshake(HttpRequestData request)
    {
        var origin = Header(request, RequestOriginHeader)?.Trim() ?? string.Empty;
        var response = request.CreateResponse();
        response.Headers.TryAddWithoutValidation("Allow", AllowedMethods);
        if (origin.Length == 0)
        {
            // A plain OPTIONS request, not the webhook handshake.
            response.StatusCode = HttpStatusCode.NoContent;
            return response;
        }

        if (!_allowsEveryOrigin && !_options.AllowedOrigins.Contains(origin, StringComparer.OrdinalIgnoreCase))
        {
            // No WebHook-Allowed-* headers: that is what withholds consent; the status is informative only.
            response.StatusCode = HttpStatusCode.Forbidden;
            var reason = $"origin '{origin}' is not allowed to deliver events to this endpoint";
            WriteProblem(request, response, HttpStatusCode.Forbidden, "Delivery not allowed", reason, [reason], extensions: null);
            return response;
        }

        response.StatusCode = HttpStatusCode.OK;
        response.Headers.TryAddWithoutValidation("WebHook-Allowed-Origin", _allowsEveryOrigin ? "*" : origin);
        response.Headers.TryAddWithoutValidation("WebHook-Allowed-Rate", _options.AllowedRate?.ToString(CultureInfo.InvariantCulture) ?? "*");
        return response;
    }

    private static string? Header(HttpRequestData request, string name)
        => request.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private Task<HttpResponseData> TooLargeAsync(HttpRequestData request)
    {
        var reason = $"the request body is larger than the limit of {_options.MaxRequestBodySize} bytes";
        return ProblemAsync(request, HttpStatusCode.RequestEntityTooLarge, "Request too large", reason, [reason]);
    }

    private static Task<HttpResponseData> RejectedAsync(HttpRequestData request, StepFunctionRejection rejection)
    {
        var extensions = new List<KeyValuePair<string, string>>();
        AddIfPresent(extensions, "eventType", rejection.EventType);
        AddIfPresent(extensions, "eventId", rejection.EventId);
        AddIfPresent(extensions, "eventSource", rejection.EventSource);
        var response = request.CreateResponse();
        WriteProblem(request, response, HttpStatusCode.BadRequest, "The CloudEvent was rejected", rejection.Message, rejection.Reasons, extensions);
        return Task.FromResult(response);
    }

    private static Task<HttpResponseData> ProblemAsync(HttpRequestData request, HttpStatusCode status, string title, string detail, IReadOnlyList<string> errors)
    {
        var response = request.CreateResponse();
        WriteProblem(request, response, status, title, detail, errors, extensions: null);
        return Task.FromResult(response);
    }

    /// <summary>An RFC 9457 problem details body, shaped like ASP.NET Core's (so clients of either host read the same JSON).</summary>
    private static void WriteProblem(
        HttpRequestData request,
        HttpResponseData response,
        HttpStatusCode status,
        string title,
        string detail,
        IReadOnlyList<string> errors,
        List<KeyValuePair<string, string>>? extensions)
    {
        response.StatusCode = status;
        response.Headers.TryAddWithoutValidation("Content-Type", "application/problem+json");
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (ProblemType(status) is { } type)
            {
                writer.WriteString("type", type);
            }

            writer.WriteString("title", title);
            writer.WriteNumber("status", (int)status);
            writer.WriteString("detail", detail);
            writer.WriteString("instance", request.Url.AbsolutePath);
            writer.WriteStartArray("errors");
            foreach (var error in errors)
            {
                writer.WriteStringValue(error);
            }

            writer.WriteEndArray();
            foreach (var (name, value) in extensions ?? [])
            {
                writer.WriteString(name, value);
            }

            writer.WriteString("invocationId", request.FunctionContext.InvocationId);
            writer.WriteEndObject();
        }

        // HttpResponseData bodies are memory streams: a synchronous write completes at once.
        response.Body.Write(buffer.WrittenSpan);
    }

    /// <summary>The RFC 9110 section of a status, as ASP.NET Core's problem details give it.</summary>
    private static string? ProblemType(HttpStatusCode status) => status switch
    {
        HttpStatusCode.BadRequest => "https://tools.ietf.org/html/rfc9110#section-15.5.1",
        HttpStatusCode.Unauthorized => "https://tools.ietf.org/html/rfc9110#section-15.5.2",
        HttpStatusCode.Forbidden => "https://tools.ietf.org/html/rfc9110#section-15.5.4",
        HttpStatusCode.MethodNotAllowed => "https://tools.ietf.org/html/rfc9110#section-15.5.6",
        HttpStatusCode.Conflict => "https://tools.ietf.org/html/rfc9110#section-15.5.10",
        HttpStatusCode.RequestEntityTooLarge => "https://tools.ietf.org/html/rfc9110#section-15.5.14",
        HttpStatusCode.UnsupportedMediaType => "https://tools.ietf.org/html/rfc9110#section-15.5.16",
        _ => null,
    };

    private static void AddIfPresent(List<KeyValuePair<string, string>> extensions, string name, string? value)
    {
        if (value is not null)
        {
            extensions.Add(KeyValuePair.Create(name, value));
        }
    }

    private static async Task<HttpResponseData> WriteContentAsync(HttpRequestData request, HttpContent content, CancellationToken cancellationToken)
    {
        var body = await content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var response = request.CreateResponse();
        response.StatusCode = HttpStatusCode.OK;
        foreach (var (name, values) in content.Headers)
        {
            if (!name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                response.Headers.TryAddWithoutValidation(name, values);
            }
        }

        await response.Body.WriteAsync(body, cancellationToken).ConfigureAwait(false);
        return response;
    }
}
