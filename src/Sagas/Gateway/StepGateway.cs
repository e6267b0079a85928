using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Hedging;
using Polly.Retry;
using Polly.Timeout;
using Sagas.CloudEvents;
using Sagas.Steps;

namespace Sagas.Gateway;

/// <summary>
/// The container side of a function step: forwards a step command to the function its route names, with a
/// Polly pipeline per route (retry with exponential backoff and jitter, per-attempt timeout, circuit breaker,
/// optional hedging), and turns the function's reply into the <see cref="StepCompleted"/> or
/// <see cref="StepFailed"/> the saga expects. A call that never got the function's answer (connection refused, the
/// attempt timeout, a 5xx, an open circuit) is a <see cref="StepFailed"/> with <see cref="StepFailed.Unavailable"/> set:
/// the saga waits the outage out without spending the step's retry budget.
/// </summary>
internal sealed partial class StepGateway(
    CloudEventConverter converter,
    IOptionsMonitor<StepRoutingOptions> routing,
    TimeProvider time,
    ILogger<StepGateway> logger) : IDisposable
{
    private readonly ConcurrentDictionary<(string Type, Uri Endpoint), (ResiliencePipeline<CloudEvent> Pipeline, CircuitWatch Circuit)> _pipelines = new();
    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = Timeout.InfiniteTimeSpan };

    public bool TryGetRoute(string eventType, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out StepRoute? route)
        => routing.CurrentValue.Routes.TryGetValue(eventType, out route);

    /// <summary>
    /// Whether the circuit of <paramref name="route"/>'s HTTP function is open for commands of <paramref name="eventType"/>:
    /// its calls fail at once. Once the route's <see cref="StepRoute.BreakDuration"/> has passed it is not, so that the
    /// next command tries the host again (the breaker's trial call).
    /// </summary>
    public bool IsCircuitOpen(string eventType, StepRoute route)
        => route.Http is { } endpoint
            && _pipelines.TryGetValue((eventType, endpoint), out var called)
            && called.Circuit.IsOpen;

    /// <summary>Runs the step at its function; never throws for a failed call (it becomes a transient <see cref="StepFailed"/>).</summary>
    public async Task<object> InvokeAsync(CloudEvent command, StepContext step, StepRoute route, CancellationToken cancellationToken)
    {
        var (pipeline, _) = _pipelines.GetOrAdd((command.Type!, route.Http!), static (_, s) => s.Self.Build(s.Route), (Self: this, Route: route));
        try
        {
            var reply = await pipeline.ExecuteAsync(static async (state, token) => await state.self.CallAsync(state.command, state.route, token).ConfigureAwait(false), (self: this, command, route), cancellationToken).ConfigureAwait(false);
            var decoded = converter.Decode(reply);
            return decoded.Message is StepCompleted or StepFailed
                ? decoded.Message
                : StepReplies.Refused(step, $"the function replied with a {reply.Type} event, expected a step result");
        }
        catch (PermanentStepCallException ex)
        {
            return StepReplies.Refused(step, ex.Message);
        }
        catch (BrokenCircuitException ex)
        {
            // Not a failed attempt: the next one waits until the circuit half-opens.
            LogCircuitOpen(logger, step.Step, route.Http!, ex.RetryAfter?.TotalMilliseconds);
            return StepReplies.Unavailable(step, ex, ex.RetryAfter, route.OutageBudget);
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutRejectedException or TransientStepCallException)
        {
            // The function's host could not be reached, did not answer in time or answered 5xx: infrastructure, not the handler.
            LogCallFailed(logger, ex, step.Step, route.Http!);
            return StepReplies.Unavailable(step, ex, retryAfter: null, route.OutageBudget);
        }
        catch (CloudEventRejectedException ex)
        {
            LogCallFailed(logger, ex, step.Step, route.Http!);
            return StepReplies.Threw(step, ex);
        }
    }

    public void Dispose() => _http.Dispose();

    private async Task<CloudEvent> CallAsync(CloudEvent command, StepRoute route, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, route.Http) { Content = converter.ToHttpContent(command, ContentMode.Structured) };
        if (route.SignatureSecret is not null)
        {
            var body = await request.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(CloudEventConverter.StructuredContentType + "; charset=utf-8");
            request.Headers.Add("X-Sagas-Signature", "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(System.Text.Encoding.UTF8.GetBytes(route.SignatureSecret), body)));
        }

        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return await converter.FromHttpResponseAsync(response).ConfigureAwait(false);
        }

        var problem = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        var reason = $"the function at {route.Http} answered {(int)response.StatusCode} {response.ReasonPhrase}: {problem}";
        throw (int)response.StatusCode >= 500 || response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests
            ? new TransientStepCallException(reason)
            : new PermanentStepCallException(reason);
    }

    private (ResiliencePipeline<CloudEvent> Pipeline, CircuitWatch Circuit) Build(StepRoute route)
    {
        var circuit = new CircuitWatch(time);
        var transient = new PredicateBuilder<CloudEvent>()
            .Handle<HttpRequestException>()
            .Handle<TimeoutRejectedException>()
            .Handle<TransientStepCallException>();
        var builder = new ResiliencePipelineBuilder<CloudEvent> { TimeProvider = time };
        if (route.HedgingDelay is { } hedging)
        {
            builder.AddHedging(new HedgingStrategyOptions<CloudEvent> { MaxHedgedAttempts = 1, Delay = hedging, ShouldHandle = transient });
        }

        if (route.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<CloudEvent>
            {
                ShouldHandle = transient,
                MaxRetryAttempts = route.MaxRetries,
                Delay = route.RetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
            });
        }

        return (builder
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<CloudEvent>
            {
                ShouldHandle = transient,
                FailureRatio = route.BreakerFailureRatio,
                MinimumThroughput = 10,
                SamplingDuration = TimeSpan.FromSeconds(30),
                BreakDuration = route.BreakDuration,
                OnOpened = args =>
                {
                    circuit.Opened(args.BreakDuration);
                    return default;
                },
                OnHalfOpened = _ =>
                {
                    circuit.Ended();
                    return default;
                },
                OnClosed = _ =>
                {
                    circuit.Ended();
                    return default;
                },
            })
            .AddTimeout(route.AttemptTimeout)
            .Build(), circuit);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "The circuit of step {Step} at {Endpoint} is open; the saga tries again in {RetryAfterMs} ms")]
    private static partial void LogCircuitOpen(ILogger logger, string step, Uri endpoint, double? retryAfterMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Calling the function of step {Step} at {Endpoint} failed after its retries")]
    private static partial void LogCallFailed(ILogger logger, Exception exception, string step, Uri endpoint);
}

/// <summary>A call a retry may fix (5xx, 409 still running, 408, 429).</summary>
internal sealed class TransientStepCallException(string message) : Exception(message);

/// <summary>A call the function refused for good (400, 401, 413, 415, ...).</summary>
internal sealed class PermanentStepCallException(string message) : Exception(message);
