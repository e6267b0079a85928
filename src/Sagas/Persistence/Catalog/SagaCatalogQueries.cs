namespace Sagas.Persistence.Catalog;

/// <summary>What every catalog shares: the checks of a query and the cut of a page.</summary>
public static class SagaCatalogQueries
{
    /// <summary>Throws <see cref="ArgumentException"/> naming what is wrong with <paramref name="query"/>.</summary>
    public static void Validate(SagaQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Limit is < 1 or > SagaQuery.MaxLimit)
        {
            throw new ArgumentException($"Limit must be between 1 and {SagaQuery.MaxLimit}, not {query.Limit}.", nameof(query));
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
