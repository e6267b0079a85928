namespace Sagas.DeadLetters;

/// <summary>An event that can never be processed, with why. The transport keeps the message itself in the endpoint's error queue.</summary>
/// <param name="At">When it was dead-lettered.</param>
/// <param name="Endpoint">The endpoint (queue) that received it.</param>
/// <param name="EventId">Its CloudEvents <c>id</c>, when readable.</param>
/// <param name="EventType">Its CloudEvents <c>type</c>, when readable.</param>
/// <param name="Source">Its CloudEvents <c>source</c>, when readable.</param>
/// <param name="Reasons">Why it was rejected, one entry per problem.</param>
/// <param name="Body">The message body as received (UTF-8).</param>
public sealed record DeadLetter(
    DateTimeOffset At,
    string Endpoint,
    string? EventId,
    string? EventType,
    string? Source,
    IReadOnlyList<string> Reasons,
    string Body);

/// <summary>Where dead letters are recorded for people to see.</summary>
public interface IDeadLetterStore
{
    /// <summary>Records a dead letter.</summary>
    ValueTask AddAsync(DeadLetter deadLetter, CancellationToken cancellationToken);

    /// <summary>The dead letters recorded, oldest first.</summary>
    ValueTask<IReadOnlyList<DeadLetter>> ListAsync(CancellationToken cancellationToken);
}

/// <summary>Dead letters in process memory.</summary>
public sealed class InMemoryDeadLetterStore : IDeadLetterStore
{
    private readonly List<DeadLetter> _deadLetters = [];

    /// <inheritdoc />
    public ValueTask AddAsync(DeadLetter deadLetter, CancellationToken cancellationToken)
    {
        lock (_deadLetters)
        {
            _deadLetters.Add(deadLetter);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<DeadLetter>> ListAsync(CancellationToken cancellationToken)
    {
        lock (_deadLetters)
        {
            return ValueTask.FromResult<IReadOnlyList<DeadLetter>>([.. _deadLetters]);
        }
    }
}
