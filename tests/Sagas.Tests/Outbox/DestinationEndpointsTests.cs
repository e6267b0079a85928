using MassTransit;
using Sagas.Outbox;

namespace Sagas.Tests.Outbox;

/// <summary>
/// The outbox's senders look a destination's send endpoint up once a minute, not for every message (MassTransit's provider
/// parses and rebuilds the address on each lookup), and never keep a lookup that failed.
/// </summary>
public sealed class DestinationEndpointsTests
{
    private static readonly Uri Destination = new("loopback://localhost/checkout-state");

    [Fact]
    public async Task A_destination_is_looked_up_once_within_a_minute()
    {
        var provider = new CountingProvider();

        var first = await DestinationEndpoints.GetAsync(provider, Destination, now: 1_000);
        var again = await DestinationEndpoints.GetAsync(provider, new Uri(Destination.OriginalString), now: 1_000 + DestinationEndpoints.KeptMilliseconds - 1);

        Assert.Same(first, again);
        Assert.Equal(1, provider.Lookups);
    }

    [Fact]
    public async Task A_destination_is_looked_up_again_after_a_minute_so_the_providers_cache_decides_its_lifetime()
    {
        var provider = new CountingProvider();

        await DestinationEndpoints.GetAsync(provider, Destination, now: 1_000);
        await DestinationEndpoints.GetAsync(provider, Destination, now: 1_000 + DestinationEndpoints.KeptMilliseconds);

        Assert.Equal(2, provider.Lookups);
    }

    [Fact]
    public async Task A_failed_lookup_is_not_kept()
    {
        var provider = new CountingProvider { FailNext = true };

        await Assert.ThrowsAsync<InvalidOperationException>(() => DestinationEndpoints.GetAsync(provider, Destination, now: 1_000));
        var endpoint = await DestinationEndpoints.GetAsync(provider, Destination, now: 1_001);

        Assert.NotNull(endpoint);
        Assert.Equal(2, provider.Lookups);
    }

    [Fact]
    public async Task A_destination_whose_send_failed_is_looked_up_again()
    {
        var provider = new CountingProvider();
        await DestinationEndpoints.GetAsync(provider, Destination, now: 1_000);

        DestinationEndpoints.Forget(provider, Destination);
        await DestinationEndpoints.GetAsync(provider, Destination, now: 1_001);

        Assert.Equal(2, provider.Lookups);
    }

    [Fact]
    public async Task A_lookup_still_under_way_is_not_kept()
    {
        var provider = new CountingProvider { Pending = new TaskCompletionSource<ISendEndpoint>() };

        var lookup = DestinationEndpoints.GetAsync(provider, Destination, now: 1_000);
        provider.Pending.SetResult(new CountingProvider.Endpoint());
        await lookup;
        provider.Pending = null;
        await DestinationEndpoints.GetAsync(provider, Destination, now: 1_001);

        Assert.Equal(2, provider.Lookups);
    }

    [Fact]
    public async Task Destinations_beyond_the_bound_are_looked_up_each_time()
    {
        var provider = new CountingProvider();
        for (var i = 0; i < DestinationEndpoints.MaxDestinations; i++)
        {
            await DestinationEndpoints.GetAsync(provider, new Uri($"queue:step-{i}"), now: 1_000);
        }

        var beyond = new Uri("queue:one-too-many");
        await DestinationEndpoints.GetAsync(provider, beyond, now: 1_000);
        await DestinationEndpoints.GetAsync(provider, beyond, now: 1_000);
        await DestinationEndpoints.GetAsync(provider, new Uri("queue:step-0"), now: 1_000);

        Assert.Equal(DestinationEndpoints.MaxDestinations + 2, provider.Lookups);
    }

    /// <summary>A provider that counts its lookups; each gives a new endpoint, fails, or waits when told.</summary>
    private sealed class CountingProvider : ISendEndpointProvider
    {
        public int Lookups { get; private set; }

        public bool FailNext { get; set; }

        public TaskCompletionSource<ISendEndpoint>? Pending { get; set; }

        public Task<ISendEndpoint> GetSendEndpoint(Uri address)
        {
            Lookups++;
            if (FailNext)
            {
                FailNext = false;
                return Task.FromException<ISendEndpoint>(new InvalidOperationException("no such destination"));
            }

            return Pending?.Task ?? Task.FromResult<ISendEndpoint>(new Endpoint());
        }

        public ConnectHandle ConnectSendObserver(ISendObserver observer) => throw new NotSupportedException();

        /// <summary>An endpoint nothing is sent to.</summary>
        public sealed class Endpoint : ISendEndpoint
        {
            public ConnectHandle ConnectSendObserver(ISendObserver observer) => throw new NotSupportedException();

            public Task Send<T>(T message, CancellationToken cancellationToken = default) where T : class => throw new NotSupportedException();

            public Task Send<T>(T message, IPipe<SendContext<T>> pipe, CancellationToken cancellationToken = default) where T : class => throw new NotSupportedException();

            public Task Send<T>(T message, IPipe<SendContext> pipe, CancellationToken cancellationToken = default) where T : class => throw new NotSupportedException();

            public Task Send(object message, CancellationToken cancellationToken = default) => throw new NotSupportedException();

            public Task Send(object message, Type messageType, CancellationToken cancellationToken = default) => throw new NotSupportedException();

            public Task Send(object message, IPipe<SendContext> pipe, CancellationToken cancellationToken = default) => throw new NotSupportedException();

            public Task Send(object message, Type messageType, IPipe<SendContext> pipe, CancellationToken cancellationToken = default) => throw new NotSupportedException();

            public Task Send<T>(object values, CancellationToken cancellationToken = default) where T : class => throw new NotSupportedException();

            public Task Send<T>(object values, IPipe<SendContext<T>> pipe, CancellationToken cancellationToken = default) where T : class => throw new NotSupportedException();

            public Task Send<T>(object values, IPipe<SendContext> pipe, CancellationToken cancellationToken = default) where T : class => throw new NotSupportedException();
        }
    }
}
