namespace Sagas.RabbitMq.Consumers;

/// <summary>How many consumers the broker lists on a queue.</summary>
internal interface IQueueConsumers
{
    /// <summary>The queue's consumers, every process's; <see langword="null"/> when the broker cannot tell now.</summary>
    Task<uint?> CountAsync(string queue, CancellationToken cancellationToken);
}
