namespace Sagas.Faults;

/// <summary>How long a delivery waits before it runs again after a fault of the infrastructure.</summary>
internal static class InfrastructureBackoff
{
    private static readonly TimeSpan First = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Longest = TimeSpan.FromSeconds(15);

    /// <summary>
    /// The wait before retry <paramref name="retry"/> (0 for the first): 100 ms doubling, at most 15 s, each spread by
    /// ±25 % so that the deliveries an outage stopped together do not all come back at once.
    /// </summary>
    public static TimeSpan Delay(int retry)
    {
        var nominal = retry >= 8 ? Longest : TimeSpan.FromTicks(Math.Min(First.Ticks << retry, Longest.Ticks));
        return nominal * (0.75 + (Random.Shared.NextDouble() * 0.5));
    }
}
