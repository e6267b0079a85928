using Sagas.Inbox;
using Sagas.Persistence;
using Sagas.Persistence.Catalog;
using Sagas.Steps;
using Xunit;

namespace Sagas.Testing;

/// <summary>
/// What every saga catalog must do, as facts each store's test class inherits (in memory, PostgreSQL): the same sagas are
/// committed through the store and listed, filtered, paged and counted through its catalog, with the same answers.
/// </summary>
/// <typeparam name="TState">A step saga state of the store under test.</typeparam>
public abstract class SagaCatalogContract<TState>
    where TState : StepSagaState, new()
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>A fresh, empty store and its catalog.</summary>
    protected abstract Task<(ISagaStore<TState> Store, ISagaCatalog<TState> Catalog)> CreateAsync();

    [Fact]
    public async Task A_filter_on_state_step_and_age_narrows_the_list_and_keeps_id_order()
    {
        var (catalog, ids) = await SeedAsync();

        Assert.Equal([ids[0], ids[3]], Ids(await catalog.ListAsync(new SagaQuery { State = "Faulted" }, default)));
        Assert.Equal([ids[1], ids[3], ids[4]], Ids(await catalog.ListAsync(new SagaQuery { Step = "ChargePayment" }, default)));
        Assert.Equal([ids[1], ids[4]], Ids(await catalog.ListAsync(new SagaQuery { State = "Executing", Step = "ChargePayment" }, default)));
        Assert.Equal([ids[4]], Ids(await catalog.ListAsync(new SagaQuery { Step = "ChargePayment", After = ids[3] }, default)));
        Assert.Equal([ids[0], ids[1], ids[2]], Ids(await catalog.ListAsync(new SagaQuery { StartedBefore = T0.AddMinutes(3) }, default)));
        Assert.Empty(Ids(await catalog.ListAsync(new SagaQuery { State = "Compensated" }, default)));
        var faulted = (await catalog.ListAsync(new SagaQuery { State = "Faulted" }, default)).Items[0];
        Assert.Equal(new SagaSummary(ids[0], "Faulted", "UpdateCrm", "UpdateCrm failed: CRM down", T0, T0.AddSeconds(30)), faulted);
    }

    [Fact]
    public async Task Keyset_pages_cover_every_saga_once_and_the_last_page_says_so()
    {
        var (catalog, ids) = await SeedAsync();
        var seen = new List<Guid>();
        Guid? after = null;
        var pages = 0;
        do
        {
            var page = await catalog.ListAsync(new SagaQuery { Limit = 2, After = after }, default);
            seen.AddRange(Ids(page));
            after = page.Next;
            pages++;
        }
        while (after is not null);

        Assert.Equal(ids, seen);
        Assert.Equal(3, pages); // 2 + 2 + 1: a full last page would need one more request to find it empty, not so here
    }

    [Fact]
    public async Task Counts_per_state_and_the_oldest_running_saga()
    {
        var (catalog, ids) = await SeedAsync();

        var counts = await catalog.CountAsync(default);

        Assert.Equal(new Dictionary<string, long> { ["Faulted"] = 2, ["Executing"] = 2, ["Completed"] = 1 }, counts.ByState.ToDictionary(k => k.Key, k => k.Value));
        Assert.Equal(ids[1], counts.OldestRunning?.Id);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(SagaQuery.MaxLimit + 1)]
    public async Task A_page_size_out_of_range_is_refused_naming_the_limit(int limit)
    {
        var (_, catalog) = await CreateAsync();

        var refused = await Assert.ThrowsAsync<ArgumentException>(async () => await catalog.ListAsync(new SagaQuery { Limit = limit }, default));

        Assert.Contains($"Limit must be between 1 and {SagaQuery.MaxLimit}, not {limit}", refused.Message, StringComparison.Ordinal);
    }

    /// <summary>Five sagas, ids ascending, started a minute apart: Faulted, Executing, Completed, Faulted, Executing.</summary>
    private async Task<(ISagaCatalog<TState> Catalog, List<Guid> Ids)> SeedAsync()
    {
        var (store, catalog) = await CreateAsync();
        var ids = Enumerable.Range(1, 5).Select(i => Guid.Parse($"01900000-0000-7000-8000-{i:D12}")).ToList();
        (string State, string? Step, string? Reason)[] shapes =
        [
            ("Faulted", "UpdateCrm", "UpdateCrm failed: CRM down"),
            ("Executing", "ChargePayment", null),
            ("Completed", null, null),
            ("Faulted", "ChargePayment", "ChargePayment is in doubt"),
            ("Executing", "ChargePayment", null),
        ];
        for (var i = ids.Count - 1; i >= 0; i--) // written out of order: the list orders them
        {
            var state = new TState
            {
                CorrelationId = ids[i],
                CurrentState = shapes[i].State,
                CurrentStep = shapes[i].Step,
                Reason = shapes[i].Reason,
                StartedAt = T0.AddMinutes(i),
                EndedAt = shapes[i].State is "Faulted" or "Completed" ? T0.AddMinutes(i).AddSeconds(30) : null,
            };
            Assert.Equal(CommitResult.Committed, await store.CommitAsync(ids[i], state, 0, new MessageTransaction(new InboxKey("catalog", "/tests", $"seed-{i}")), default));
        }

        return (catalog, ids);
    }

    private static List<Guid> Ids(SagaPage page) => [.. page.Items.Select(s => s.Id)];
}
