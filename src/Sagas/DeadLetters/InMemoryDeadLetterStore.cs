using Sagas.Persistence.Catalog;

namespace Sagas.DeadLetters;

/// <summary>Dead letters in process memory.</summary>
public sealed class InMemoryDeadLetterStore : IDeadLetterStore
{
    private readonly SortedList<Guid, DeadLetter> _byId = new(SagaIdOrder.Instance);

    /// <inheritdoc />
    public ValueTask AddAsync(DeadLetter deadLetter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deadLetter);
        lock (_byId)
        {
            _byId.TryAdd(deadLetter.Id, deadLetter);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<DeadLetterPage> ListAsync(DeadLetterQuery query, CancellationToken cancellationToken)
    {
        DeadLetterQuery.Validate(query);
        lock (_byId)
        {
            var items = _byId.Values
                .Where(d => (query.IncludeResolved || d.Resolution is null) && (query.After is not { } after || SagaIdOrder.Compare(d.Id, after) > 0))
                .Take(query.Limit + 1)
                .ToList();
            return ValueTask.FromResult(DeadLetterPage.Of(items, query.Limit));
        }
    }

    /// <inheritdoc />
    public ValueTask<DeadLetter?> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        lock (_byId)
        {
            return ValueTask.FromResult(_byId.GetValueOrDefault(id));
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> ResolveAsync(Guid id, DeadLetterResolution resolution, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resolution);
        lock (_byId)
        {
            if (!_byId.TryGetValue(id, out var deadLetter) || deadLetter.Resolution is not null)
            {
                return ValueTask.FromResult(false);
            }

            _byId[id] = deadLetter with { Resolution = resolution };
            return ValueTask.FromResult(true);
        }
    }
}
