using Microsoft.Extensions.Logging;
using Sagas.RabbitMq.Queues;

namespace Sagas.RabbitMq.Consumers;

/// <summary>Consumer counts from passive declares, on a connection of its own (<see cref="QueueProbe"/>).</summary>
internal sealed class RabbitMqQueueConsumers(RabbitMqSagasOptions options, ILogger<RabbitMqQueueConsumers> logger) : IQueueConsumers, IAsyncDisposable
{
    private readonly QueueProbe _probe = new(options, "consumer check", logger);

    public async Task<uint?> CountAsync(string queue, CancellationToken cancellationToken)
        => (await _probe.DeclarePassiveAsync(queue, cancellationToken).ConfigureAwait(false))?.ConsumerCount;

    public ValueTask DisposeAsync() => _probe.DisposeAsync();
}
