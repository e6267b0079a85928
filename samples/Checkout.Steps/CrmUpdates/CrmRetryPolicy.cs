using System.Net;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;

namespace Checkout.Steps.CrmUpdates;

/// <summary>
/// How a CRM call is tried again within the step's attempt: after a 5xx, 408 or 429 answer or a failed connection, up to
/// <see cref="CheckoutStepsOptions.CrmRetries"/> times with exponential delays from
/// <see cref="CheckoutStepsOptions.CrmRetryDelay"/>, with jitter, on <paramref name="time"/>. A timeout is not tried again
/// here (a slow CRM is not pressed). Built once from the options; one per process.
/// </summary>
public sealed class CrmRetryPolicy(IOptions<CheckoutStepsOptions> options, TimeProvider time)
{
    /// <summary>The pipeline a call runs in.</summary>
    internal ResiliencePipeline<HttpResponseMessage> Pipeline { get; } = Build(options.Value, time);

    /// <summary>Whether an answer may be different when asked again: 5xx, 408 and 429.</summary>
    internal static bool IsTransient(HttpStatusCode status)
        => (int)status >= 500 || status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;

    private static ResiliencePipeline<HttpResponseMessage> Build(CheckoutStepsOptions settings, TimeProvider time)
        => settings.CrmRetries == 0
            ? ResiliencePipeline<HttpResponseMessage>.Empty
            : new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time }
                .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
                {
                    MaxRetryAttempts = settings.CrmRetries,
                    Delay = settings.CrmRetryDelay,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    ShouldHandle = static args => ValueTask.FromResult(args.Outcome switch
                    {
                        { Exception: HttpRequestException } => true,
                        { Result: { } answer } => IsTransient(answer.StatusCode),
                        _ => false,
                    }),
                })
                .Build();
}
