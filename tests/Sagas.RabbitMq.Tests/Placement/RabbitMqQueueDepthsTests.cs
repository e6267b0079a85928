using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;
using Sagas.RabbitMq.Placement;
using Sagas.RabbitMq.Tests.Harness;

namespace Sagas.RabbitMq.Tests.Placement;

public sealed class When_the_depth_of_a_queue_is_asked
{
    [Fact]
    public async Task It_is_unknown_until_sampled_then_follows_the_messages_ready_in_the_broker()
    {
        var queue = $"depth-probe-{Guid.NewGuid():N}";
        await using var connection = await Broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclareAsync(queue, durable: false, exclusive: false, autoDelete: false);
        for (var i = 0; i < 5; i++)
        {
            await channel.BasicPublishAsync(string.Empty, queue, new byte[] { 1 });
        }

        await using var depths = Sampler(Broker.Address);
        var address = new Uri($"rabbitmq://127.0.0.1/{Broker.VirtualHost}/{queue}"); // as MassTransit names the endpoint
        try
        {
            Assert.Null(depths.DepthOf(address)); // asked once: sampled from now on

            await Until(() => depths.DepthOf(address) == 5);
            await channel.QueuePurgeAsync(queue);
            await Until(() => depths.DepthOf(address) == 0);
        }
        finally
        {
            await channel.QueueDeleteAsync(queue);
        }
    }

    [Fact]
    public async Task A_queue_the_broker_does_not_have_stays_unknown_and_others_are_still_sampled()
    {
        var queue = $"depth-probe-{Guid.NewGuid():N}";
        await using var connection = await Broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclareAsync(queue, durable: false, exclusive: false, autoDelete: false);
        await channel.BasicPublishAsync(string.Empty, queue, new byte[] { 1 });
        await using var depths = Sampler(Broker.Address);
        var missing = new Uri($"rabbitmq://127.0.0.1/{Broker.VirtualHost}/no-such-queue-{Guid.NewGuid():N}");
        var present = new Uri($"rabbitmq://127.0.0.1/{Broker.VirtualHost}/{queue}");
        try
        {
            depths.DepthOf(missing);
            depths.DepthOf(present);

            await Until(() => depths.DepthOf(present) == 1); // the missing queue's failed sample closed its channel, not the sampling
            Assert.Null(depths.DepthOf(missing));
        }
        finally
        {
            await channel.QueueDeleteAsync(queue);
        }
    }

    [Fact]
    public async Task While_the_broker_is_unreachable_the_depth_is_unknown_and_it_is_read_again_once_it_is_back()
    {
        var queue = $"depth-probe-{Guid.NewGuid():N}";
        await using var connection = await Broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclareAsync(queue, durable: false, exclusive: false, autoDelete: false);
        await channel.BasicPublishAsync(string.Empty, queue, new byte[] { 1 });
        await using var proxy = new Sagas.Testing.TcpProxy(Broker.Port);
        await using var depths = Sampler(Broker.Through(proxy.Port));
        var address = new Uri($"rabbitmq://127.0.0.1/{Broker.VirtualHost}/{queue}");
        try
        {
            depths.DepthOf(address);
            await Until(() => depths.DepthOf(address) == 1);

            proxy.Cut();
            await Until(() => depths.DepthOf(address) is null); // not a depth of 0: nothing is known
            proxy.Restore();
            await Until(() => depths.DepthOf(address) == 1);
        }
        finally
        {
            await channel.QueueDeleteAsync(queue);
        }
    }

    /// <summary>A sampler of the broker at <paramref name="broker"/>, reading every 100 ms.</summary>
    private static RabbitMqQueueDepths Sampler(Uri broker)
        => new(new RabbitMqSagasOptions { ConnectionString = broker.ToString(), QueueDepthInterval = TimeSpan.FromMilliseconds(100) }, TimeProvider.System, NullLogger<RabbitMqQueueDepths>.Instance);

    private static async Task Until(Func<bool> condition)
    {
        var until = DateTime.UtcNow.AddSeconds(15);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < until, "the sampled depth did not reach the expected value in 15 s");
            await Task.Delay(50);
        }
    }
}
