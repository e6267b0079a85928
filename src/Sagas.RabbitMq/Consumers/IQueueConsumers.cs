namespace Sagas.RabbitMq.Consumers;

/// <summary>How many consumers the broker lists on queues.</summary>
internal interface IQueueConsumers
{
    /// <summary>Each queue's consumers, every process's; <see langword="null"/> for a queue the broker cannot tell about now.</summary>
    Task<IReadOnlyDictionary<string, uint?>> CountAsync(IReadOnlyCollection<string> queues, CancellationToken cancellationToken);
}
