namespace Sagas.Steps;

/// <summary>How a step is retried after a transient failure or a missed deadline.</summary>
public sealed record StepRetryOptions
{
    /// <summary>Attempts in one budget, the first included. Default 5. Must be at least 1.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>Delay before the second attempt. Default 200 ms.</summary>
    public TimeSpan InitialDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Each further delay is the previous one times this factor. Default 2.</summary>
    public double BackoffFactor { get; init; } = 2;

    /// <summary>Upper bound of a delay. Default 1 minute.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Fraction of each delay that is randomized (0 to 1) so that many sagas failing together do not retry
    /// together. Default 0.2. The jitter is derived from the saga id and attempt, so it is reproducible.
    /// </summary>
    public double Jitter { get; init; } = 0.2;

    /// <summary>The delay before attempt <paramref name="nextAttempt"/> (2 or more) of saga <paramref name="sagaId"/>.</summary>
    public TimeSpan DelayBefore(int nextAttempt, Guid sagaId)
    {
        var exponent = Math.Max(0, nextAttempt - 2);
        var delay = Math.Min(InitialDelay.TotalMilliseconds * Math.Pow(BackoffFactor, exponent), MaxDelay.TotalMilliseconds);
        var spread = Spread(sagaId, nextAttempt);
        delay *= 1 - Jitter + (2 * Jitter * spread);
        return TimeSpan.FromMilliseconds(Math.Min(delay, MaxDelay.TotalMilliseconds));
    }

    /// <summary>A number in [0, 1] that depends only on the saga and the attempt (FNV-1a), so retries are reproducible.</summary>
    private static double Spread(Guid sagaId, int attempt)
    {
        Span<byte> bytes = stackalloc byte[16];
        sagaId.TryWriteBytes(bytes);
        var hash = 2166136261u;
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * 16777619u;
        }

        hash = (hash ^ (uint)attempt) * 16777619u;
        return (hash & 0xFFFF) / 65535.0;
    }

    internal void Validate(string step)
    {
        if (MaxAttempts < 1)
        {
            throw new InvalidOperationException($"Step '{step}': Retry.MaxAttempts must be at least 1, got {MaxAttempts}.");
        }

        if (InitialDelay < TimeSpan.Zero || MaxDelay < InitialDelay)
        {
            throw new InvalidOperationException($"Step '{step}': Retry.InitialDelay must be >= 0 and <= Retry.MaxDelay.");
        }

        if (BackoffFactor < 1 || Jitter is < 0 or > 1)
        {
            throw new InvalidOperationException($"Step '{step}': Retry.BackoffFactor must be >= 1 and Retry.Jitter between 0 and 1.");
        }
    }
}
