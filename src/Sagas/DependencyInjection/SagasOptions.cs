namespace Sagas;

/// <summary>Options of a Sagas application, validated at start.</summary>
public sealed class SagasOptions
{
    /// <summary>
    /// CloudEvents <c>source</c> of a message MassTransit gives no source address. Messages normally carry
    /// the address of the endpoint (or bus) that sent them. Default <c>/sagas</c>.
    /// </summary>
    public Uri Source { get; set; } = new("/sagas", UriKind.Relative);

    /// <summary>How long an inbox record is kept; a duplicate older than this is no longer detected. Default 7 days.</summary>
    public TimeSpan InboxRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How many times in all an event is run against a saga when it keeps losing optimistic-concurrency races, before the message faults. Default 20.</summary>
    public int MaxConcurrencyRetries { get; set; } = 20;

    /// <summary>
    /// How many messages each receive endpoint (saga or step) handles at once. Handlers mostly wait on I/O
    /// (a database, a broker, an HTTP call), so this is well above the core count. Default 32.
    /// </summary>
    public int ConcurrentMessageLimit { get; set; } = 32;

    internal void Validate()
    {
        if (ConcurrentMessageLimit < 1)
        {
            throw new InvalidOperationException($"SagasOptions.ConcurrentMessageLimit must be at least 1, got {ConcurrentMessageLimit}.");
        }

        if (InboxRetention <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"SagasOptions.InboxRetention must be positive, got {InboxRetention}.");
        }

        if (MaxConcurrencyRetries < 1)
        {
            throw new InvalidOperationException($"SagasOptions.MaxConcurrencyRetries must be at least 1, got {MaxConcurrencyRetries}.");
        }
    }
}
