using System.Collections.Concurrent;

namespace Sagas.Functions.ClaimCheck;

/// <summary>
/// An <see cref="IClaimCheckStore"/> in process memory: for tests, and for a sender and receiver that share one process.
/// Payloads live as long as the instance.
/// </summary>
public sealed class InMemoryClaimCheckStore : IClaimCheckStore
{
    private readonly ConcurrentDictionary<string, byte[]> _payloads = new(StringComparer.Ordinal);

    /// <summary>How many payloads are stored.</summary>
    public int Count => _payloads.Count;

    /// <inheritdoc />
    public ValueTask PutAsync(string key, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        _payloads.TryAdd(key, payload.ToArray());
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<ReadOnlyMemory<byte>?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        // Not "? payload : null": a null byte[] would become an empty ReadOnlyMemory, i.e. "found, empty".
        return _payloads.TryGetValue(key, out var payload)
            ? ValueTask.FromResult<ReadOnlyMemory<byte>?>(payload)
            : ValueTask.FromResult<ReadOnlyMemory<byte>?>(null);
    }

    /// <inheritdoc />
    public ValueTask DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        _payloads.TryRemove(key, out _);
        return ValueTask.CompletedTask;
    }
}
