using Sagas.DeadLetters;
using Xunit;

namespace Sagas.Testing;

/// <summary>
/// What every dead-letter store must do, as facts each store's test class inherits (in memory, PostgreSQL): keep a dead
/// letter as received, list the open ones in keyset pages oldest first, and record one resolution for each.
/// </summary>
public abstract class DeadLetterStoreContract
{
    private static readonly DateTimeOffset T0 = new(2026, 4, 1, 9, 0, 0, TimeSpan.Zero);

    /// <summary>A fresh, empty store.</summary>
    protected abstract Task<IDeadLetterStore> CreateAsync();

    [Fact]
    public async Task A_dead_letter_is_kept_as_received_every_field_and_the_body_byte_for_byte()
    {
        var store = await CreateAsync();
        var full = Letter(1) with { Body = "{\"data\":{\"name\":\"Zoë ✓\"}}" };
        var bare = new DeadLetter(Guid.CreateVersion7(T0.AddMinutes(2)), T0.AddMinutes(2), "vhost/checkout-state", null, null, null, ["not a CloudEvent"], "application/octet-stream", "%%");
        await store.AddAsync(full, default);
        await store.AddAsync(bare, default);

        var found = await store.FindAsync(full.Id, default);
        Assert.NotNull(found);
        Assert.Equal((full.Id, full.At, full.Endpoint, full.EventId, full.EventType, full.Source, full.ContentType, full.Body), (found.Id, found.At, found.Endpoint, found.EventId, found.EventType, found.Source, found.ContentType, found.Body));
        Assert.Equal(full.Reasons, found.Reasons);
        Assert.Null(found.Resolution);
        var foundBare = await store.FindAsync(bare.Id, default);
        Assert.Equal((null, null, null, "checkout-state"), (foundBare!.EventId, foundBare.EventType, foundBare.Source, foundBare.Queue));
        Assert.Null(await store.FindAsync(Guid.CreateVersion7(T0), default));
    }

    [Fact]
    public async Task Keyset_pages_list_the_open_dead_letters_oldest_first_each_once()
    {
        var store = await CreateAsync();
        var letters = Enumerable.Range(1, 5).Select(Letter).ToList();
        foreach (var letter in Enumerable.Reverse(letters))
        {
            await store.AddAsync(letter, default);
        }

        var seen = new List<Guid>();
        Guid? after = null;
        var pages = 0;
        do
        {
            var page = await store.ListAsync(new DeadLetterQuery { Limit = 2, After = after }, default);
            seen.AddRange(page.Items.Select(d => d.Id));
            after = page.Next;
            pages++;
        }
        while (after is not null);

        Assert.Equal(letters.Select(d => d.Id), seen);
        Assert.Equal(3, pages);
    }

    [Fact]
    public async Task A_resolution_is_recorded_once_and_takes_the_dead_letter_off_the_open_list()
    {
        var store = await CreateAsync();
        var (first, second) = (Letter(1), Letter(2));
        await store.AddAsync(first, default);
        await store.AddAsync(second, default);
        var redelivered = new DeadLetterResolution(DeadLetterAction.Redelivered, T0.AddHours(1), "ops: validator fixed in 1.4.2");

        Assert.True(await store.ResolveAsync(first.Id, redelivered, default));
        Assert.False(await store.ResolveAsync(first.Id, new DeadLetterResolution(DeadLetterAction.Discarded, T0.AddHours(2), "ops: again"), default));
        Assert.False(await store.ResolveAsync(Guid.CreateVersion7(T0), redelivered, default)); // unknown

        Assert.Equal(redelivered, (await store.FindAsync(first.Id, default))!.Resolution); // the first resolution stays
        Assert.Equal([second.Id], (await store.ListAsync(new DeadLetterQuery(), default)).Items.Select(d => d.Id));
        var all = (await store.ListAsync(new DeadLetterQuery { IncludeResolved = true }, default)).Items;
        Assert.Equal([first.Id, second.Id], all.Select(d => d.Id));
        Assert.Equal(redelivered, all[0].Resolution);
    }

    [Fact]
    public async Task A_page_limit_out_of_range_is_refused_naming_the_range()
    {
        var store = await CreateAsync();

        var refused = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await store.ListAsync(new DeadLetterQuery { Limit = 0 }, default));
        Assert.Contains("Limit must be between 1 and 500, not 0", refused.Message, StringComparison.Ordinal);
    }

    private static DeadLetter Letter(int number)
        => new(
            Guid.CreateVersion7(T0.AddMinutes(number)),
            T0.AddMinutes(number),
            "checkout-state",
            $"bad-{number}",
            "com.example.checkout.order-submitted.v1",
            "https://shop.example.com/web",
            ["CustomerEmail: 'Customer Email' is not a valid email address.", "Lines: 'Lines' must not be empty."],
            "application/cloudevents+json",
            $"{{\"specversion\":\"1.0\",\"id\":\"bad-{number}\"}}");
}
