using System.Collections.Concurrent;
using System.Linq.Expressions;
using System.Net.Sockets;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Sagas.Contracts;
using Sagas.Faults;
using Sagas.Persistence;
using Sagas.Testing;
using Sagas.Tests.Onboarding;

namespace Sagas.Tests.Faults;

// The retry in front of every consumer and saga of a Sagas bus: a fault of the infrastructure is waited out (on the
// application's clock) and never told as a fault; anything else faults at once.
public sealed class When_a_saga_commit_hits_a_fault
{
    [Fact]
    public async Task An_outage_is_waited_out_until_the_commit_succeeds_and_no_fault_is_told()
    {
        var store = new FlakyStore { Failure = () => new TimeoutException("the database did not answer"), Failures = 2 };
        await using var run = await PointsAwardedAsync(store);
        var (host, faults, accountId) = (run.Host, run.Faults, run.AccountId);

        await store.WaitForAttemptsAsync("points-1", 1);
        Assert.Equal(1, store.Attempts("points-1")); // waiting on the clock, not spinning
        var state = await AdvanceUntilAsync(host, accountId, s => s.Points == 5);

        Assert.Equal(5, state.Points);
        Assert.Equal(3, store.Attempts("points-1"));
        Assert.DoesNotContain("points-1", faults.EventIds);
        Assert.Empty(await host.DeadLettersAsync());
    }

    [Fact]
    public async Task Any_other_fault_is_told_once_and_not_retried()
    {
        var store = new FlakyStore { Failure = () => new InvalidOperationException("a bug in the store"), Failures = 1 };
        await using var run = await PointsAwardedAsync(store);
        var (host, faults, accountId) = (run.Host, run.Faults, run.AccountId);

        Assert.Equal("a bug in the store", await faults.ForAsync("points-1"));
        host.Time.Advance(TimeSpan.FromMinutes(1));
        await Task.Delay(100);
        Assert.Equal(1, store.Attempts("points-1"));
        Assert.Equal(0, host.Watcher<OnboardingState>().Latest(accountId)!.Points);
    }

    [Theory]
    [InlineData(0, 100)]
    [InlineData(1, 200)]
    [InlineData(4, 1600)]
    [InlineData(7, 12800)]
    [InlineData(8, 15000)]
    [InlineData(1000, 15000)]
    public void The_wait_doubles_from_100_ms_to_at_most_15_s_spread_by_a_quarter(int retry, int nominalMs)
    {
        for (var i = 0; i < 50; i++)
        {
            var delay = InfrastructureBackoff.Delay(retry, Guid.NewGuid()).TotalMilliseconds;
            Assert.InRange(delay, nominalMs * 0.75, nominalMs * 1.25);
        }
    }

    /// <summary>A completed onboarding saga on <paramref name="store"/>, then a <c>PointsAwarded</c> event "points-1" sent to it.</summary>
    private static async Task<Run> PointsAwardedAsync(FlakyStore store)
    {
        var host = await SagaTestHost.StartAsync(sagas => sagas.AddOnboarding(), services =>
        {
            SagaTestHost.AddWatcher<OnboardingState>(services);
            services.AddSingleton<ISagaStore<OnboardingState>>(sp =>
            {
                store.Inner = new InMemorySagaStore<OnboardingState>(sp.GetRequiredService<InMemoryMessageStore>());
                return store;
            });
        });
        var faults = new ConsumeRecorder();
        host.Bus.ConnectReceiveObserver(faults);
        var accountId = Guid.NewGuid();
        await host.Bus.Publish(new SignupReceived(accountId, "ann@example.com"));
        await host.Watcher<OnboardingState>().WaitAsync(accountId, s => s.CurrentState == "Completed");
        await host.SendRawAsync("onboarding-state", host.ToCloudEventJson(new PointsAwarded(accountId, 5), "points-1", subject: accountId));
        return new Run(host, faults, accountId);
    }

    /// <summary>Moves the test clock on in steps of a second until the saga's committed state matches.</summary>
    private static async Task<OnboardingState> AdvanceUntilAsync(SagaTestHost host, Guid sagaId, Func<OnboardingState, bool> done)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (host.Watcher<OnboardingState>().Latest(sagaId) is not { } state || !done(state))
        {
            host.Time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(20, timeout.Token);
        }

        return host.Watcher<OnboardingState>().Latest(sagaId)!;
    }

    private sealed record Run(SagaTestHost Host, ConsumeRecorder Faults, Guid AccountId) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Host.DisposeAsync();
    }

    /// <summary>The in-memory store, failing the first <see cref="Failures"/> commits of every event with <see cref="Failure"/>.</summary>
    private sealed class FlakyStore : ISagaStore<OnboardingState>
    {
        private readonly ConcurrentDictionary<string, int> _attempts = new();

        public ISagaStore<OnboardingState> Inner { get; set; } = null!;

        public required Func<Exception> Failure { get; init; }

        public required int Failures { get; init; }

        public int Attempts(string eventId) => _attempts.GetValueOrDefault(eventId);

        public async Task WaitForAttemptsAsync(string eventId, int attempts)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (Attempts(eventId) < attempts)
            {
                await Task.Delay(10, timeout.Token);
            }
        }

        public ValueTask<LoadedSaga<OnboardingState>?> LoadAsync(Guid sagaId, CancellationToken cancellationToken) => Inner.LoadAsync(sagaId, cancellationToken);

        public ValueTask<LoadedSaga<OnboardingState>?> LoadForTransitionAsync(Guid sagaId, CancellationToken cancellationToken) => Inner.LoadForTransitionAsync(sagaId, cancellationToken);

        public ValueTask<IReadOnlyList<Guid>> QueryAsync(Expression<Func<OnboardingState, bool>> predicate, CancellationToken cancellationToken) => Inner.QueryAsync(predicate, cancellationToken);

        public ValueTask<CommitResult> CommitAsync(Guid sagaId, OnboardingState state, int expectedVersion, MessageTransaction transaction, CancellationToken cancellationToken)
        {
            var attempt = _attempts.AddOrUpdate(transaction.InboxKey.Id, 1, (_, n) => n + 1);
            return transaction.InboxKey.Id.StartsWith("points-", StringComparison.Ordinal) && attempt <= Failures
                ? throw Failure()
                : Inner.CommitAsync(sagaId, state, expectedVersion, transaction, cancellationToken);
        }
    }
}

// The same retry for a handler that is not a saga: an attempt that failed on the infrastructure leaves nothing behind.
public sealed class When_a_handler_hits_an_outage
{
    [Fact]
    public async Task It_runs_again_until_it_succeeds_and_only_the_attempt_that_succeeded_sends_its_messages()
    {
        var counts = new Counts();
        await using var host = await SagaTestHost.StartAsync(
            sagas => sagas
                .AddContracts(c => c.Add<FlakyPing>().Add<FlakyPong>())
                .ConfigureBus((_, cfg) =>
                {
                    cfg.ReceiveEndpoint("flaky-ping", e => e.Consumer(() => new FlakyPingConsumer(counts)));
                    cfg.ReceiveEndpoint("flaky-pong", e => e.Consumer(() => new FlakyPongConsumer(counts)));
                }));
        var faults = new ConsumeRecorder();
        host.Bus.ConnectReceiveObserver(faults);

        await host.Bus.Publish(new FlakyPing(Guid.NewGuid()));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (Volatile.Read(ref counts.Pongs) == 0)
        {
            host.Time.Advance(TimeSpan.FromSeconds(1)); // the waits between attempts are on the application's clock
            await Task.Delay(20, timeout.Token);
        }

        host.Time.Advance(TimeSpan.FromMinutes(1));
        await Task.Delay(100);
        Assert.Equal(3, Volatile.Read(ref counts.Pings));
        Assert.Equal(1, Volatile.Read(ref counts.Pongs)); // the two failed attempts' publishes were never sent
        Assert.Empty(faults.EventIds);
        Assert.Empty(await host.DeadLettersAsync());
    }

    [CloudEventContract("com.example.tests.retry.ping", 1)]
    public sealed record FlakyPing(Guid Id);

    [CloudEventContract("com.example.tests.retry.pong", 1)]
    public sealed record FlakyPong(Guid Id);

    private sealed class Counts
    {
        public int Pings;
        public int Pongs;
    }

    /// <summary>Publishes its pong, then fails on the network twice before it gets through.</summary>
    private sealed class FlakyPingConsumer(Counts counts) : IConsumer<FlakyPing>
    {
        public async Task Consume(ConsumeContext<FlakyPing> context)
        {
            await context.Publish(new FlakyPong(context.Message.Id));
            if (Interlocked.Increment(ref counts.Pings) <= 2)
            {
                throw new SocketException((int)SocketError.ConnectionReset);
            }
        }
    }

    private sealed class FlakyPongConsumer(Counts counts) : IConsumer<FlakyPong>
    {
        public Task Consume(ConsumeContext<FlakyPong> context)
        {
            Interlocked.Increment(ref counts.Pongs);
            return Task.CompletedTask;
        }
    }
}
