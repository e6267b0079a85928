using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Sagas.Outbox;

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
        var received = new ReceivedCount();
        await using var services = new ServiceCollection()
            .AddBusObserver<DestinationEndpointsReset>()
            .AddMassTransit(x => x.UsingInMemory((_, cfg) => cfg.ReceiveEndpoint("probe", _ => { })))
            .BuildServiceProvider();
        var bus = services.GetRequiredService<IBusControl>();
        bus.ConnectReceiveObserver(received);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await bus.StartAsync(timeout.Token);
        await OutboxSender.SendAsync(bus, Message(), CancellationToken.None);
        await received.UntilAsync(1);

        await bus.StopAsync(timeout.Token);
        await bus.StartAsync(timeout.Token);
        await OutboxSender.SendAsync(bus, Message(), CancellationToken.None);

        await received.UntilAsync(2);
        await bus.StopAsync(timeout.Token);
    }

    private static OutboxMessage Message() => new()
    {
        Id = Guid.NewGuid(),
        Destination = new Uri("queue:probe"),
        ContentType = "application/cloudevents+json",
        Body = "{}"u8.ToArray(),
    };

    /// <summary>Counts the messages the bus's receive endpoints took from their queues.</summary>
    private sealed class ReceivedCount : IReceiveObserver
    {
        private int _count;

        public async Task UntilAsync(int count)
        {
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (Volatile.Read(ref _count) < count)
            {
                Assert.True(DateTime.UtcNow < until, $"{_count} message(s) received, waiting for {count}.");
                await Task.Delay(20);
            }
        }

        public Task PreReceive(ReceiveContext context)
        {
            Interlocked.Increment(ref _count);
            return Task.CompletedTask;
        }

        public Task PostReceive(ReceiveContext context) => Task.CompletedTask;

        public Task PostConsume<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType)
            where T : class => Task.CompletedTask;

        public Task ConsumeFault<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType, Exception exception)
            where T : class => Task.CompletedTask;

        public Task ReceiveFault(ReceiveContext context, Exception exception) => Task.CompletedTask;
    }
}
