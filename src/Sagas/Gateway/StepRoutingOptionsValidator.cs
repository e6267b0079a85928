using Microsoft.Extensions.Options;

namespace Sagas.Gateway;

/// <summary>Validates <see cref="StepRoutingOptions"/> at start, naming every route and setting that is wrong.</summary>
internal sealed class StepRoutingOptionsValidator : IValidateOptions<StepRoutingOptions>
{
    public ValidateOptionsResult Validate(string? name, StepRoutingOptions options)
    {
        var failures = new List<string>();
        foreach (var (type, route) in options.Routes)
        {
            var setting = $"{nameof(StepRoutingOptions)}.{nameof(StepRoutingOptions.Routes)}[\"{type}\"]";
            Validate(setting, route, failures);
            for (var i = 0; i < route.Alternates.Count; i++)
            {
                var alternate = $"{setting}.{nameof(StepRoute.Alternates)}[{i}]";
                Validate(alternate, route.Alternates[i], failures);
                if (route.Alternates[i].Overflow is not null || route.Alternates[i].Alternates.Count > 0)
                {
                    failures.Add($"{alternate} cannot have its own Overflow or Alternates: they belong to the route.");
                }
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Validate(string setting, StepRoute route, List<string> failures)
    {
        if ((route.Http is null) == string.IsNullOrEmpty(route.Channel))
        {
            failures.Add($"{setting} needs either Http or Channel, not both or neither.");
        }

        if (route.Http is { IsAbsoluteUri: false })
        {
            failures.Add($"{setting}.{nameof(StepRoute.Http)} must be an absolute URI, got '{route.Http}'.");
        }

        if (route.AttemptTimeout <= TimeSpan.Zero)
        {
            failures.Add($"{setting}.{nameof(StepRoute.AttemptTimeout)} must be positive, got {route.AttemptTimeout}.");
        }

        if (route.MaxRetries < 0)
        {
            failures.Add($"{setting}.{nameof(StepRoute.MaxRetries)} must not be negative, got {route.MaxRetries}.");
        }

        if (route.RetryDelay < TimeSpan.Zero)
        {
            failures.Add($"{setting}.{nameof(StepRoute.RetryDelay)} must not be negative, got {route.RetryDelay}.");
        }

        if (route.OutageBudget < TimeSpan.Zero)
        {
            failures.Add($"{setting}.{nameof(StepRoute.OutageBudget)} must not be negative, got {route.OutageBudget}.");
        }

        if (route.BreakerFailureRatio is <= 0 or > 1)
        {
            failures.Add($"{setting}.{nameof(StepRoute.BreakerFailureRatio)} must be in (0, 1], got {route.BreakerFailureRatio}.");
        }

        if (route.BreakDuration < TimeSpan.FromMilliseconds(500))
        {
            failures.Add($"{setting}.{nameof(StepRoute.BreakDuration)} must be at least 500 ms, got {route.BreakDuration}.");
        }

        if (route.MaxDuration <= TimeSpan.Zero)
        {
            failures.Add($"{setting}.{nameof(StepRoute.MaxDuration)} must be positive, got {route.MaxDuration}.");
        }

        if (route.MaxPayloadBytes < 1)
        {
            failures.Add($"{setting}.{nameof(StepRoute.MaxPayloadBytes)} must be positive, got {route.MaxPayloadBytes}.");
        }

        if (route.Overflow is { } overflow)
        {
            var over = $"{setting}.{nameof(StepRoute.Overflow)}";
            if (overflow.MaxInFlight is null && overflow.LatencyTarget is null && overflow.QueueWaitTarget is null && overflow.MaxQueueDepth is null)
            {
                failures.Add($"{over} needs MaxInFlight, LatencyTarget, QueueWaitTarget or MaxQueueDepth: what makes the step overflow.");
            }

            if (overflow.MaxQueueDepth < 1)
            {
                failures.Add($"{over}.{nameof(overflow.MaxQueueDepth)} must be at least 1, got {overflow.MaxQueueDepth}.");
            }

            if (overflow.QueueWaitTarget <= TimeSpan.Zero)
            {
                failures.Add($"{over}.{nameof(overflow.QueueWaitTarget)} must be positive, got {overflow.QueueWaitTarget}.");
            }

            if (overflow.MaxInFlight < 1)
            {
                failures.Add($"{over}.{nameof(overflow.MaxInFlight)} must be at least 1, got {overflow.MaxInFlight}.");
            }

            if (overflow.LatencyTarget <= TimeSpan.Zero)
            {
                failures.Add($"{over}.{nameof(overflow.LatencyTarget)} must be positive, got {overflow.LatencyTarget}.");
            }

            if (overflow.ResumeBelow is <= 0 or > 1)
            {
                failures.Add($"{over}.{nameof(overflow.ResumeBelow)} must be in (0, 1], got {overflow.ResumeBelow}.");
            }

            if (overflow.LatencyWindow <= TimeSpan.Zero)
            {
                failures.Add($"{over}.{nameof(overflow.LatencyWindow)} must be positive, got {overflow.LatencyWindow}.");
            }
        }
    }
}
