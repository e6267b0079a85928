namespace Sagas.Gateway;

/// <summary>
/// Until when a route's circuit is open: from the breaker's own events, so a host skipped while it is open is tried again
/// once its break has passed. Polly's state alone would not tell: an open circuit turns half-open only when a call is
/// tried after the break, and a host no command is sent to would stay open for good.
/// </summary>
internal sealed class CircuitWatch(TimeProvider time)
{
    private long _openUntilTicks;

    /// <summary>Whether calls to the host fail at once now.</summary>
    public bool IsOpen => time.GetUtcNow().UtcTicks < Volatile.Read(ref _openUntilTicks);

    /// <summary>The breaker opened for <paramref name="breakDuration"/>.</summary>
    public void Opened(TimeSpan breakDuration) => Volatile.Write(ref _openUntilTicks, (time.GetUtcNow() + breakDuration).UtcTicks);

    /// <summary>The breaker let a trial call through or closed.</summary>
    public void Ended() => Volatile.Write(ref _openUntilTicks, 0);
}
