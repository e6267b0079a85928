namespace Sagas.DeadLetters;

/// <summary>Which dead letters to list: one keyset page in id order (oldest first).</summary>
public sealed record DeadLetterQuery
{
    /// <summary>The most a page may hold.</summary>
    public const int MaxLimit = 500;

    /// <summary>Also list the ones already redelivered or discarded. Default: only those waiting for an operator.</summary>
    public bool IncludeResolved { get; init; }

    /// <summary>Only dead letters after this id (the <see cref="DeadLetterPage.Next"/> of the previous page).</summary>
    public Guid? After { get; init; }

    /// <summary>At most this many (1 to <see cref="MaxLimit"/>). Default 50.</summary>
    public int Limit { get; init; } = 50;

    /// <summary>What is wrong with <paramref name="query"/>, or <see langword="null"/>.</summary>
    public static string? Problem(DeadLetterQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        return query.Limit is < 1 or > MaxLimit ? $"Limit must be between 1 and {MaxLimit}, not {query.Limit}." : null;
    }

    internal static void Validate(DeadLetterQuery query)
    {
        if (Problem(query) is { } problem)
        {
            throw new ArgumentOutOfRangeException(nameof(query), problem);
        }
    }
}
