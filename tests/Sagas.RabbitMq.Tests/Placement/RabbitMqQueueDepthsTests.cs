using Microsoft.Extensions.Logging.Abstractions;
using Sagas.RabbitMq.Placement;
using Sagas.RabbitMq.Tests.Harness;

namespace Sagas.RabbitMq.Tests.Placement;

public sealed class When_the_depth_of_a_queue_is_asked
{
    [Fact]
    public async Task It_is_unknown_until_sampled_then_follows_the_messages_ready_in_the_broker()
    {
        await using var queue = await ProbeQueue.DeclareAsync(messages: 5);
        await using var depths = Sampler(Broker.Address);

        Assert.Null(depths.DepthOf(queue.Address)); // asked once: sampled from now on

        await Until(() => depths.DepthOf(queue.Address) == 5);
        await queue.Channel.QueuePurgeAsync(queue.Name);
        await Until(() => depths.DepthOf(queue.Address) == 0);
    }

    [Fact]
    public async Task A_queue_the_broker_does_not_have_stays_unknown_and_others_are_still_sampled()
    {
        await using var queue = await ProbeQueue.DeclareAsync(messages: 1);
        await using var depths = Sampler(Broker.Address);
        var missing = new Uri($"rabbitmq://127.0.0.1/{Broker.VirtualHost}/no-such-queue-{Guid.NewGuid():N}");

        depths.DepthOf(missing);
        depths.DepthOf(queue.Address);

        await Until(() => depths.DepthOf(queue.Address) == 1); // the missing queue's failed sample closed its channel, not the sampling
        Assert.Null(depths.DepthOf(missing));
    }

    [Fact]
    public async Task While_the_broker_is_unreachable_the_depth_is_unknown_and_it_is_read_again_once_it_is_back()
    {
        await using var queue = await ProbeQueue.DeclareAsync(messages: 1);
        await using var proxy = new Sagas.Testing.TcpProxy(Broker.Port);
        await using var depths = Sampler(Broker.Through(proxy.Port));

        depths.DepthOf(queue.Address);
        await Until(() => depths.DepthOf(queue.Address) == 1);

        proxy.Cut();
        await Until(() => depths.DepthOf(queue.Address) is null); // not a depth of 0: nothing is known
        proxy.Restore();
        await Until(() => depths.DepthOf(queue.Address) == 1);
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
