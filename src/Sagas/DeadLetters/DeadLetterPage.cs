namespace Sagas.DeadLetters;

/// <summary>A page of dead letters.</summary>
/// <param name="Items">The dead letters, oldest first.</param>
/// <param name="Next">The <see cref="DeadLetterQuery.After"/> of the next page, or <see langword="null"/> on the last.</param>
public sealed record DeadLetterPage(IReadOnlyList<DeadLetter> Items, Guid? Next)
{
    internal static DeadLetterPage Of(List<DeadLetter> oneMore, int limit)
        => oneMore.Count > limit ? new([.. oneMore.Take(limit)], oneMore[limit - 1].Id) : new(oneMore, null);
}
