using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Sagas.Inspector.Tests.Harness;

namespace Sagas.Inspector.Tests.Metrics;

public sealed class When_the_inspector_publishes_metrics
{
    [Fact]
    public async Task Sagas_per_state_and_the_age_of_the_oldest_running_one_are_gauges_on_the_Sagas_meter()
    {
        await using var host = await InspectorHost.StartAsync(o => o.MetricsInterval = TimeSpan.FromMilliseconds(50));
        await host.SeedAsync(1, "Faulted", "UpdateCrm", "CRM down");
        await host.SeedAsync(2, "Executing", "UpdateCrm");
        await host.SeedAsync(3, "Executing", "ChargePayment");
        var meters = host.Services.GetRequiredService<IMeterFactory>(); // other tests' hosts publish on meters named Sagas too
        var counts = new Dictionary<string, long>();
        double? oldestAge = null;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Sagas" && ReferenceEquals(instrument.Meter.Scope, meters) && instrument.Name is "sagas.saga.count" or "sagas.saga.oldest_running.age")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            lock (counts)
            {
                counts[$"{Tag(tags, "saga")}/{Tag(tags, "state")}"] = value;
            }
        });
        listener.SetMeasurementEventCallback<double>((_, value, tags, _) => oldestAge = Tag(tags, "saga") == "CheckoutState" ? value : oldestAge);
        listener.Start();

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline && !(counts.GetValueOrDefault("CheckoutState/Executing") == 2 && counts.ContainsKey("CheckoutState/Faulted")))
        {
            await Task.Delay(50);
            listener.RecordObservableInstruments();
        }

        Assert.Equal(1, counts["CheckoutState/Faulted"]);
        Assert.Equal(2, counts["CheckoutState/Executing"]);
        var expectedAge = (DateTimeOffset.UtcNow - InspectorHost.T0.AddMinutes(2)).TotalSeconds; // saga 2 is the oldest running
        Assert.InRange(oldestAge!.Value, expectedAge - 60, expectedAge + 60);
    }

    private static string? Tag(ReadOnlySpan<KeyValuePair<string, object?>> tags, string name)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == name)
            {
                return tag.Value?.ToString();
            }
        }

        return null;
    }
}
