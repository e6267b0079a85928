using System.Globalization;
using Sagas.Gateway;

namespace Sagas.Placement;

/// <summary>
/// The functions a routed step's commands can go to, in order: its route's own host, then the route's
/// <see cref="StepRoute.Alternates"/>. At each dispatch the first that can take the command is chosen: one whose
/// <see cref="StepRoute.MaxPayloadBytes"/> holds it and whose circuit is not open. Without I/O; tested as a table
/// (<c>tests/Sagas.Tests/Placement/StepHostsTests.cs</c>).
/// </summary>
internal static class StepHosts
{
    /// <summary>The route's own host, then its alternates.</summary>
    public static IEnumerable<StepRoute> Of(StepRoute route)
    {
        yield return route;
        foreach (var alternate in route.Alternates)
        {
            yield return alternate;
        }
    }

    /// <summary>Chooses the host of a command of <paramref name="bytes"/>.</summary>
    /// <param name="route">The step's route.</param>
    /// <param name="bytes">The command's size, serialized.</param>
    /// <param name="circuitOpen">Whether a host's circuit is open now.</param>
    public static HostChoice Choose(StepRoute route, long bytes, Func<StepRoute, bool> circuitOpen)
    {
        List<string>? passed = null;
        StepRoute? fitting = null;
        foreach (var host in Of(route))
        {
            if (!StepLimits.Fits(host, bytes))
            {
                (passed ??= []).Add(Text($"the command's {bytes} bytes are over {Name(route, host)}'s {host.MaxPayloadBytes}"));
                continue;
            }

            fitting ??= host;
            if (circuitOpen(host))
            {
                (passed ??= []).Add($"{Name(route, host)}'s circuit is open");
                continue;
            }

            return new(host, fitting, passed is null ? null : string.Join("; ", passed));
        }

        return new(null, fitting, passed is null ? null : string.Join("; ", passed));
    }

    /// <summary>How the history names a host: its URL or its channel; a route without alternates names its one host <c>the overflow host</c>.</summary>
    public static string Name(StepRoute route, StepRoute host)
        => route.Alternates.Count == 0 ? "the overflow host" : Describe(host);

    /// <summary>
    /// An overflow decision's <paramref name="reason"/> with the host <paramref name="choice"/> chose and why it passed the
    /// ones before; unchanged for a route with one host, where there was no choice.
    /// </summary>
    public static string Via(string reason, StepRoute route, HostChoice choice)
        => route.Alternates.Count == 0 || choice.Host is not { } host
            ? reason
            : $"{reason}; to {Describe(host)}{(choice.Passed is null ? string.Empty : $" ({choice.Passed})")}";

    /// <summary>A host by its URL or its channel.</summary>
    public static string Describe(StepRoute host) => host.Http?.ToString() ?? $"channel '{host.Channel}'";

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>The outcome of <see cref="StepHosts.Choose"/>.</summary>
/// <param name="Host">The first host that takes the command and whose circuit is closed, if any.</param>
/// <param name="Fitting">The first host that takes the command, whatever its circuit, if any.</param>
/// <param name="Passed">Why the hosts before <paramref name="Host"/> (or all of them) were passed over, if any were.</param>
internal readonly record struct HostChoice(StepRoute? Host, StepRoute? Fitting, string? Passed);
