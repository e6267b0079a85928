namespace Sagas.DeadLetters;

/// <summary>What an operator does with a dead letter: redeliver it after fixing its cause, or discard it.</summary>
public interface IDeadLetterResolver
{
    /// <summary>
    /// Sends the dead letter again, its body as received, to the queue it came from, through the outbox (committed first
    /// under the dead letter's id, so asking twice, or again after a crash, sends it once), and records the resolution.
    /// </summary>
    /// <param name="id">The dead letter.</param>
    /// <param name="note">Who and why, kept with it.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    Task<DeadLetterOutcome> RedeliverAsync(Guid id, string note, CancellationToken cancellationToken);

    /// <summary>Records that the dead letter is given up on; nothing is sent.</summary>
    /// <param name="id">The dead letter.</param>
    /// <param name="note">Who and why, kept with it.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    Task<DeadLetterOutcome> DiscardAsync(Guid id, string note, CancellationToken cancellationToken);
}
