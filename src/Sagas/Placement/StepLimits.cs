using System.Globalization;
using Sagas.Gateway;
using Sagas.Steps;

namespace Sagas.Placement;

/// <summary>
/// Whether the hosts a saga's steps are routed to can hold them: each step's declared <see cref="StepOptions.MaxDuration"/>
/// and <see cref="StepOptions.MaxPayloadBytes"/> against its route's <see cref="StepRoute.MaxDuration"/> and
/// <see cref="StepRoute.MaxPayloadBytes"/> (the step's command and its compensation, each by its CloudEvents type), and
/// its <see cref="StepOptions.Deadline"/> against its duration. Checked when the application starts
/// (<see cref="StepLimitsValidator"/>); each problem names the saga, the step and the limit.
/// </summary>
internal static class StepLimits
{
    public static IEnumerable<string> Problems(string saga, IEnumerable<PlannedStep> steps, StepRoutingOptions routing)
    {
        foreach (var step in steps)
        {
            var name = $"Step '{step.Name}' of {saga}";
            if (step.Options.MaxDuration is { } duration && step.Options.Deadline < duration)
            {
                yield return Text($"{name} may run {duration} (MaxDuration), longer than its Deadline {step.Options.Deadline}: every long attempt would be asked again while it still runs.");
            }

            foreach (var eventType in step.EventTypes)
            {
                if (!routing.Routes.TryGetValue(eventType, out var route))
                {
                    continue;
                }

                var hosts = StepHosts.Of(route).ToList();
                for (var i = 0; i < hosts.Count; i++)
                {
                    var where = i == 0 ? $"its route {eventType}" : $"its route {eventType}'s alternate {StepHosts.Describe(hosts[i])}";
                    if (step.Options.MaxDuration is { } expected && hosts[i].MaxDuration is { } hostMax && expected > hostMax)
                    {
                        yield return Text($"{name} may run {expected} (MaxDuration), but {where} holds a call for at most {hostMax} (StepRoute.MaxDuration).");
                    }
                }

                if (step.Options.MaxPayloadBytes is { } bytes && !hosts.Any(h => Fits(h, bytes)))
                {
                    yield return hosts.Count == 1
                        ? Text($"{name} sends commands of up to {bytes} bytes (MaxPayloadBytes), but its route {eventType} takes at most {route.MaxPayloadBytes} (StepRoute.MaxPayloadBytes).")
                        : Text($"{name} sends commands of up to {bytes} bytes (MaxPayloadBytes), but no host of its route {eventType} takes more than {hosts.Max(h => h.MaxPayloadBytes)} (StepRoute.MaxPayloadBytes).");
                }
            }
        }
    }

    /// <summary>Whether a command of <paramref name="bytes"/> fits the host of <paramref name="route"/>.</summary>
    public static bool Fits(StepRoute route, long bytes) => route.MaxPayloadBytes is not { } max || bytes <= max;

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>A step of a saga's plan as the limits see it: its name, options, and the CloudEvents types of its command and compensation.</summary>
internal sealed record PlannedStep(string Name, StepOptions Options, IReadOnlyList<string> EventTypes);
