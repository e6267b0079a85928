using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using MassTransit;

namespace Sagas.Outbox;

/// <summary>
/// The send endpoint of each outbox destination, looked up once a minute instead of for every message: MassTransit's
/// provider parses and rebuilds an address (<c>NormalizeAddress</c>) on every lookup before it finds its cached endpoint,
/// which cost an in-memory send as much as a tenth of its own work.
/// </summary>
/// <remarks>
/// Kept for a minute at most, then looked up again, so the provider's own cache still sees its endpoints used and decides
/// their lifetime (it disposes one it has not handed out for a day, or that more than a thousand others pushed out). A
/// lookup that failed is not kept. Per provider (the bus), at most <see cref="MaxDestinations"/> destinations; beyond that
/// a destination is looked up each time.
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

    private readonly record struct Kept(Task<ISendEndpoint> Endpoint, long Until);
}
