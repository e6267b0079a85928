using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using MassTransit;

namespace Sagas.Outbox;

/// <summary>
/// The send endpoint of each outbox destination, looked up once a minute instead of for every message: MassTransit's
/// provider parses and rebuilds an address (<c>NormalizeAddress</c>) on every lookup before it finds its cached endpoint,
/// about 3 % of the in-memory benchmark's CPU and 7 KiB of allocation per saga.
/// </summary>
/// <remarks>
/// Kept for a minute at most, then looked up again, so that the provider's own cache keeps deciding an endpoint's
/// lifetime (it disposes one a day after it made it, or when a thousand others push it out) and a replaced endpoint is
/// picked up within the minute. A lookup that failed or has not finished is not kept, and a destination whose send failed
/// is forgotten (<see cref="Forget"/>) so that the retry asks the provider again: the endpoint may be one it disposed.
/// Everything is forgotten when a bus stops or starts (<see cref="DestinationEndpointsReset"/>, registered by
/// <c>AddSagas</c>), which replaces the endpoints a bus gives out.
/// Per provider (the bus), at most <see cref="MaxDestinations"/> destinations; beyond that a destination is looked up
/// each time.
/// </remarks>
internal static class DestinationEndpoints
{
    internal const int MaxDestinations = 1024;
    internal const long KeptMilliseconds = 60_000;
    private static readonly ConditionalWeakTable<ISendEndpointProvider, ConcurrentDictionary<Uri, Kept>> Providers = [];

    /// <summary>The endpoint of <paramref name="destination"/>, as <paramref name="provider"/> gave it within the last minute.</summary>
    public static Task<ISendEndpoint> GetAsync(ISendEndpointProvider provider, Uri destination)
        => GetAsync(provider, destination, Environment.TickCount64);

    /// <summary>The same, at <paramref name="now"/> (milliseconds of <see cref="Environment.TickCount64"/>).</summary>
    internal static Task<ISendEndpoint> GetAsync(ISendEndpointProvider provider, Uri destination, long now)
    {
        var kept = Providers.GetValue(provider, static _ => new ConcurrentDictionary<Uri, Kept>());
        if (kept.TryGetValue(destination, out var entry) && now < entry.Until)
        {
            return entry.Endpoint;
        }

        var lookup = provider.GetSendEndpoint(destination);
        if (lookup.IsCompletedSuccessfully && (kept.Count < MaxDestinations || kept.ContainsKey(destination)))
        {
            kept[destination] = new Kept(lookup, now + KeptMilliseconds);
        }

        return lookup;
    }

    /// <summary>Drops what is kept for <paramref name="destination"/>: a send to it failed.</summary>
    public static void Forget(ISendEndpointProvider provider, Uri destination)
    {
        if (Providers.TryGetValue(provider, out var kept))
        {
            kept.TryRemove(destination, out _);
        }
    }

    /// <summary>Drops everything kept, for every provider: a bus stopped or started (<see cref="DestinationEndpointsReset"/>).</summary>
    public static void ForgetAll() => Providers.Clear();

    private readonly record struct Kept(Task<ISendEndpoint> Endpoint, long Until);
}
