using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Sagas.RabbitMq.Consumers;
using Sagas.RabbitMq.Tests.Harness;
using Sagas.RabbitMq.Tests.Placement;

namespace Sagas.RabbitMq.Tests.Consumers;

public sealed class RabbitMqQueueConsumersTests
{
    [Fact]
    public async Task The_count_follows_the_consumers_the_broker_lists_and_a_queue_it_does_not_have_is_unknown()
    {
        await using var queue = await ProbeQueue.DeclareAsync(messages: 0);
        await using var counts = new RabbitMqQueueConsumers(new RabbitMqSagasOptions { ConnectionString = Broker.Address.ToString() }, NullLogger<RabbitMqQueueConsumers>.Instance);

        var missing = $"no-such-queue-{Guid.NewGuid():N}";

        Assert.Equal(0u, (await counts.CountAsync([queue.Name], CancellationToken.None))[queue.Name]);
        var tag = await queue.Channel.BasicConsumeAsync(queue.Name, autoAck: true, new AsyncEventingBasicConsumer(queue.Channel));
        var both = await counts.CountAsync([missing, queue.Name], CancellationToken.None);
        Assert.Null(both[missing]);
        Assert.Equal(1u, both[queue.Name]); // the missing queue closed a channel, not the connection
        await queue.Channel.BasicCancelAsync(tag);
        Assert.Equal(0u, (await counts.CountAsync([queue.Name], CancellationToken.None))[queue.Name]);
    }
}
