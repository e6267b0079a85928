using Sagas.Steps;

namespace Sagas.Faults;

/// <summary>How long a delivery waits before it runs again after a fault of the infrastructure.</summary>
internal static class InfrastructureBackoff
{
    // The steps' backoff, without a limit of attempts: 100 ms doubling, at most 15 s, each spread by ±25 % so that the
    // deliveries an outage stopped together do not all come back at once.
    private static readonly StepRetryOptions Schedule = new()
    {
        InitialDelay = TimeSpan.FromMilliseconds(100),
        BackoffFactor = 2,
        MaxDelay = TimeSpan.FromSeconds(15),
        Jitter = 0.25,
    };

    /// <summary>The wait before retry <paramref name="retry"/> (0 for the first) of the delivery of message <paramref name="messageId"/>.</summary>
    public static TimeSpan Delay(int retry, Guid messageId) => Schedule.DelayBefore(retry + 2, messageId);
}
