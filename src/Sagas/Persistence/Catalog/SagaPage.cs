namespace Sagas.Persistence.Catalog;

/// <summary>A page of a saga list.</summary>
/// <param name="Items">The sagas, oldest first.</param>
/// <param name="Next">The <see cref="SagaQuery.After"/> of the next page; <see langword="null"/> on the last page.</param>
public sealed record SagaPage(IReadOnlyList<SagaSummary> Items, Guid? Next);
