using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Sagas.Persistence;
using Sagas.Steps;
using Sagas.Tests.Shipping;

namespace Sagas.Tests.Outbox;

// A step timer's body is written when first read (most timers are withdrawn unread): it must be the CloudEvent the
// transition that set the timer would have written then.
public sealed class When_a_step_timer_waits_in_the_outbox
{
    [Fact]
    public async Task Its_body_first_read_later_is_the_event_as_of_the_transition_that_set_it()
    {
        await using var shipment = await Shipment.StartAsync();
        var set = shipment.Host.Time.GetUtcNow();
        var running = await shipment.WaitAsync("ReserveSlot", StepStatus.Running, 1);
        shipment.Host.Time.Advance(TimeSpan.FromSeconds(10)); // still before the deadline

        var timer = shipment.Host.Services.GetRequiredService<InMemoryMessageStore>().Undelivered.Single(m => m.Id == shipment.Step(running, "ReserveSlot").TimerId);
        using var cloudEvent = JsonDocument.Parse(timer.Body);
        var root = cloudEvent.RootElement;

        Assert.Equal(set, root.GetProperty("time").GetDateTimeOffset());
        Assert.Equal(timer.Id.ToString(), root.GetProperty("id").GetString());
        Assert.Equal(shipment.Id.ToString(), root.GetProperty("correlationid").GetString());
        Assert.Equal("ReserveSlot", root.GetProperty("data").GetProperty("step").GetString());
        Assert.Equal(StepTimerElapsed.Deadline, root.GetProperty("data").GetProperty("kind").GetString());
        Assert.Same(ArrayOf(timer.Body), ArrayOf(timer.Body)); // written once: a second read gets the same bytes
        Assert.Equal(set + ShipmentSaga.Deadline, timer.DueTime);
    }

    private static byte[] ArrayOf(ReadOnlyMemory<byte> body) => MemoryMarshal.TryGetArray(body, out var array) ? array.Array! : throw new InvalidOperationException("not an array");
}
