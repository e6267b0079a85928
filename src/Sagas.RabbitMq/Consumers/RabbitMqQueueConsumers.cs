using Microsoft.Extensions.Logging;
using Sagas.RabbitMq.Queues;

namespace Sagas.RabbitMq.Consumers;

/// <summary>Consumer counts from passive declares, on a connection of its own (<see cref="QueueProbe"/>).</summary>
internal sealed class RabbitMqQueueConsumers(RabbitMqSagasOptions options, ILogger<RabbitMqQueueConsumers> logger) : IQueueConsumers, IAsyncDisposable
{
    private readonly QueueProbe _probe = new(options, "consumer check", logger);

    public async Task<IReadOnlyDictionary<string, uint?>> CountAsync(IReadOnlyCollection<string> queues, CancellationToken cancellationToken)
        => (await _probe.DeclarePassiveAsync(queues, cancellationToken).ConfigureAwait(false)).ToDictionary(d => d.Key, d => d.Value?.ConsumerCount, StringComparer.Ordinal);

    public ValueTask DisposeAsync() => _probe.DisposeAsync();
}
