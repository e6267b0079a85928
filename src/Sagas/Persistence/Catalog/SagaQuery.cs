namespace Sagas.Persistence.Catalog;

/// <summary>
/// Which sagas of one type to list, oldest first (by id: saga ids are time-ordered UUIDs), one page at a time. Every
/// filter is optional; together they narrow the list.
/// </summary>
public sealed record SagaQuery
{
    /// <summary>The largest page a query may ask for.</summary>
    public const int MaxLimit = 500;

    /// <summary>Only sagas in this state (Executing, Compensating, Completed, Rejected, Compensated, Faulted).</summary>
    public string? State { get; init; }

    /// <summary>Only sagas whose <see cref="Steps.StepSagaState.CurrentStep"/> is this step.</summary>
    public string? Step { get; init; }

    /// <summary>Only sagas that started before this time (older than an age).</summary>
    public DateTimeOffset? StartedBefore { get; init; }

    /// <summary>The id of the last saga of the previous page (keyset paging); <see langword="null"/> for the first page.</summary>
    public Guid? After { get; init; }

    /// <summary>How many sagas a page holds, 1 to <see cref="MaxLimit"/>.</summary>
    public int Limit { get; init; } = 50;
}
