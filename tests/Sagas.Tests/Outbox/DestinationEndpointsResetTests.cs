using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Sagas.Outbox;
using Sagas.Testing;

namespace Sagas.Tests.Outbox;

/// <summary>
/// A bus that was stopped and started again gives out new send endpoints: the outbox must not send through one it kept
/// from before (in memory, it writes to the stopped bus's exchange, where the message is lost or refused).
/// </summary>
public sealed class DestinationEndpointsResetTests
{
    [Fact]
    public async Task After_a_bus_restarts_its_outbox_sends_reach_the_restarted_endpoint()
    {
        var wire = new WireTap();
        await using var services = new ServiceCollection()
            .AddBusObserver<DestinationEndpointsReset>()
            .AddMassTransit(x => x.UsingInMemory((_, cfg) => cfg.ReceiveEndpoint("probe", _ => { })))
            .BuildServiceProvider();
        var bus = services.GetRequiredService<IBusControl>();
        bus.ConnectReceiveObserver(wire);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await bus.StartAsync(timeout.Token);
        await OutboxSender.SendAsync(bus, Message(), CancellationToken.None);
        await Poll.UntilAsync(() => !wire.Received.IsEmpty);

        await bus.StopAsync(timeout.Token);
        await bus.StartAsync(timeout.Token);
        await OutboxSender.SendAsync(bus, Message(), CancellationToken.None);

        await Poll.UntilAsync(() => wire.Received.Count == 2, () => $"{wire.Received.Count} message(s) received, waiting for 2.");
        await bus.StopAsync(timeout.Token);
    }

    private static OutboxMessage Message() => new()
    {
        Id = Guid.NewGuid(),
        Destination = new Uri("queue:probe"),
        ContentType = "application/cloudevents+json",
        Body = "{}"u8.ToArray(),
    };
}
