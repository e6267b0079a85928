using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Sagas.Inspector.Inspection;
using Sagas.Persistence.Catalog;

namespace Sagas.Inspector.Tests.Inspection;

public sealed class When_the_inspector_counts_sagas
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task A_cheap_count_is_read_for_every_request_so_it_shows_every_commit_made_before()
    {
        var saga = new CountingSaga(_time, takes: TimeSpan.FromMilliseconds(5));
        var cache = Cache(TimeSpan.FromSeconds(5));

        await cache.GetAsync(saga, default);
        saga.Faulted = 3;
        var counted = await cache.GetAsync(saga, default);

        Assert.Equal(2, saga.Reads);
        Assert.Equal(3, counted.Counts.ByState["Faulted"]);
    }

    [Fact]
    public async Task A_slow_count_is_reused_while_younger_than_ten_times_its_read_then_shown_while_a_newer_one_is_read()
    {
        var saga = new CountingSaga(_time, takes: TimeSpan.FromMilliseconds(300));
        var cache = Cache(TimeSpan.FromSeconds(5));
        var first = await cache.GetAsync(saga, default);
        saga.Faulted = 3;

        _time.Advance(TimeSpan.FromSeconds(2)); // younger than 3 s (ten times 0.3 s)
        Assert.Same(first, await cache.GetAsync(saga, default));
        Assert.Equal(1, saga.Reads);

        _time.Advance(TimeSpan.FromSeconds(2)); // older: shown once more, while the next one is read in the background
        Assert.Same(first, await cache.GetAsync(saga, default));
        var fresh = first;
        for (var i = 0; i < 500 && fresh.Counts.ByState["Faulted"] != 3; i++)
        {
            await Task.Delay(10);
            fresh = await cache.GetAsync(saga, default);
        }

        Assert.Equal(3, fresh.Counts.ByState["Faulted"]);
        Assert.Equal(2, saga.Reads); // the requests meanwhile were answered from the last count, not read again
        Assert.Equal(first.At + TimeSpan.FromSeconds(4) + TimeSpan.FromMilliseconds(300), fresh.At);
    }

    [Fact]
    public async Task A_slow_count_is_never_older_than_the_maximum_age()
    {
        var saga = new CountingSaga(_time, takes: TimeSpan.FromSeconds(1));
        var cache = Cache(TimeSpan.FromSeconds(2));
        var first = await cache.GetAsync(saga, default);

        _time.Advance(TimeSpan.FromSeconds(3)); // ten times the read would be 10 s; the maximum is 2 s
        var counted = await cache.GetAsync(saga, default); // the last one, while a newer one is read in the background
        for (var i = 0; i < 500 && ReferenceEquals(counted, first); i++)
        {
            await Task.Delay(10);
            counted = await cache.GetAsync(saga, default);
        }

        Assert.NotSame(first, counted);
        Assert.Equal(2, saga.Reads);
    }

    [Fact]
    public async Task With_no_maximum_age_every_request_reads()
    {
        var saga = new CountingSaga(_time, takes: TimeSpan.FromSeconds(1));
        var cache = Cache(TimeSpan.Zero);

        await cache.GetAsync(saga, default);
        await cache.GetAsync(saga, default);

        Assert.Equal(2, saga.Reads);
    }

    private SagaCountCache Cache(TimeSpan maxAge)
        => new(new ServiceCollection().BuildServiceProvider(), _time, Options.Create(new SagaInspectorOptions { CountsMaxAge = maxAge }));

    /// <summary>A catalog whose count takes <c>takes</c> on the test clock.</summary>
    private sealed class CountingSaga(FakeTimeProvider time, TimeSpan takes) : InspectedSaga
    {
        public int Reads { get; private set; }

        public long Faulted { get; set; } = 1;

        public override Type StateType => typeof(Checkout.Saga.CheckoutState);

        public override string Diagram => string.Empty;

        public override ValueTask<SagaCounts> CountAsync(IServiceProvider services, CancellationToken cancellationToken)
        {
            Reads++; // one read at a time: the cache never runs two of one type at once
            time.Advance(takes);
            return ValueTask.FromResult(new SagaCounts(new Dictionary<string, long> { ["Faulted"] = Faulted }, null));
        }

        public override ValueTask<SagaPage> ListAsync(IServiceProvider services, SagaQuery query, CancellationToken cancellationToken) => throw new NotSupportedException();

        public override ValueTask<SagaDetail?> LoadAsync(IServiceProvider services, Guid id, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
