namespace Sagas;

/// <summary>
/// Options of a Sagas application: set them with <c>SagasBuilder.Configure</c> or bind them from configuration
/// (<c>services.Configure&lt;SagasOptions&gt;(configuration.GetSection("Sagas"))</c>); every wrong setting is named when the
/// application starts.
/// </summary>
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

    /// <summary>
    /// How often each process that runs a saga looks for sagas whose pending timer (a step's deadline or retry) is
    /// overdue by more than <see cref="SweepGrace"/>, and sends that timer again. A timer is normally delivered on
    /// time; the sweep is for one that was lost on the way (a broker that lost its queues, say), so that no saga waits
    /// forever. Default 30 seconds.
    /// </summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How late a timer must be before the sweep sends it again. Default 1 minute.</summary>
    public TimeSpan SweepGrace { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Most overdue sagas one sweep wakes. Default 500.</summary>
    public int SweepBatchSize { get; set; } = 500;
}
