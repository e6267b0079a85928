namespace Sagas.Persistence.Catalog;

/// <summary>What every catalog shares: the checks of a query and the cut of a page.</summary>
public static class SagaCatalogQueries
{
    /// <summary>What is wrong with <paramref name="query"/>, or <see langword="null"/> when nothing is.</summary>
    public static string? Problem(SagaQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        return query.Limit is < 1 or > SagaQuery.MaxLimit ? $"Limit must be between 1 and {SagaQuery.MaxLimit}, not {query.Limit}." : null;
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming what is wrong with <paramref name="query"/> (<see cref="Problem"/>).</summary>
    public static void Validate(SagaQuery query)
    {
        if (Problem(query) is { } problem)
        {
            throw new ArgumentException(problem, nameof(query));
        }
    }

    /// <summary>
    /// A page from up to <paramref name="limit"/> + 1 rows in id order: the extra row only says that another page follows.
    /// </summary>
    public static SagaPage Page(List<SagaSummary> rows, int limit)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count <= limit)
        {
            return new SagaPage(rows, null);
        }

        rows.RemoveRange(limit, rows.Count - limit);
        return new SagaPage(rows, rows[^1].Id);
    }
}
