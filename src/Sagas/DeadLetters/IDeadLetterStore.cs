namespace Sagas.DeadLetters;

/// <summary>Where dead letters are recorded for people to see and resolve.</summary>
public interface IDeadLetterStore
{
    /// <summary>Records a dead letter.</summary>
    ValueTask AddAsync(DeadLetter deadLetter, CancellationToken cancellationToken);

    /// <summary>A page of the dead letters recorded, oldest first.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The query's limit is out of range.</exception>
    ValueTask<DeadLetterPage> ListAsync(DeadLetterQuery query, CancellationToken cancellationToken);

    /// <summary>One dead letter, or <see langword="null"/>.</summary>
    ValueTask<DeadLetter?> FindAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>Records what was done with a dead letter, once.</summary>
    /// <returns><see langword="false"/> when it is unknown or was resolved before (the earlier resolution stays).</returns>
    ValueTask<bool> ResolveAsync(Guid id, DeadLetterResolution resolution, CancellationToken cancellationToken);
}
