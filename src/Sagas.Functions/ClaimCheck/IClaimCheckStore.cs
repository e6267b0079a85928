namespace Sagas.Functions.ClaimCheck;

/// <summary>
/// Where the data of an event too large for its transport is kept while a reference travels instead (the claim check
/// pattern). See <see cref="ClaimChecks"/> for the event side; a store only keeps bytes under a key.
/// </summary>
/// <remarks>
/// <para>Keys are chosen by <see cref="ClaimChecks"/>: the lower-case hex SHA-256 of the payload (64 characters), so
/// storing the same payload twice is harmless and a reader can verify what it loaded. The sender and every receiver
/// must use stores that see the same keys (one bucket, one shared directory).</para>
/// <para>Nothing is deleted automatically: a redelivered or duplicated event needs its payload again. Expire payloads
/// by age (longer than the queue's retention) rather than deleting them after the first read, because a key is a content
/// address that an identical payload in flight may share.</para>
/// <para>Implementations must be thread-safe. An exception from the store is treated as transient by hosts (the message
/// is delivered again); only a missing or altered payload is permanent.</para>
/// </remarks>
public interface IClaimCheckStore
{
    /// <summary>Stores <paramref name="payload"/> under <paramref name="key"/>; storing a key that exists already succeeds.</summary>
    /// <param name="key">The content address chosen by <see cref="ClaimChecks"/>.</param>
    /// <param name="payload">The bytes to keep.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    ValueTask PutAsync(string key, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default);

    /// <summary>Reads the payload stored under <paramref name="key"/>, or <see langword="null"/> when there is none.</summary>
    /// <param name="key">The content address from the event's <c>claimcheck</c> attribute.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    ValueTask<ReadOnlyMemory<byte>?> GetAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Removes the payload stored under <paramref name="key"/>; removing a missing key succeeds.</summary>
    /// <param name="key">The content address.</param>
    /// <param name="cancellationToken">Cancels the removal.</param>
    ValueTask DeleteAsync(string key, CancellationToken cancellationToken = default);
}
