using System.Collections.Concurrent;
using Azure.Storage.Queues;

namespace Sagas.Functions.Azure.Queues;

/// <summary>Queue clients by name, each queue created (when asked to) once per process, on first use.</summary>
internal sealed class StorageQueueClients(QueueServiceClient service, bool createQueues)
{
    private readonly ConcurrentDictionary<string, Task<QueueClient>> _queues = new(StringComparer.Ordinal);

    public QueueServiceClient Service => service;

    /// <summary>The client of <paramref name="name"/>, after creating the queue if it is missing and creation is on.</summary>
    public Task<QueueClient> GetAsync(string name, CancellationToken cancellationToken)
    {
        if (!createQueues)
        {
            return Task.FromResult(service.GetQueueClient(name));
        }

        var task = _queues.GetOrAdd(name, CreateAsync);
        if (task.IsFaulted || task.IsCanceled)
        {
            // A failed creation is not remembered: the next call tries again.
            _queues.TryRemove(KeyValuePair.Create(name, task));
            task = _queues.GetOrAdd(name, CreateAsync);
        }

        return task.WaitAsync(cancellationToken);
    }

    private async Task<QueueClient> CreateAsync(string name)
    {
        var queue = service.GetQueueClient(name);
        await queue.CreateIfNotExistsAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false);
        return queue;
    }
}

/// <summary>Writes <see cref="StorageQueuePoisonMessage"/>s to <c>&lt;queue&gt;-poison</c>.</summary>
internal sealed class StoragePoisonQueue(StorageQueueClients queues, int maxMessageBytes, TimeProvider timeProvider)
{
    /// <summary>Sends the poison message of <paramref name="message"/> and returns it.</summary>
    /// <exception cref="InvalidOperationException">The poison message would be larger than the queue takes.</exception>
    public async Task<StorageQueuePoisonMessage> SendAsync(
        string queueName,
        QueueTrigger.QueueTriggerMetadata metadata,
        string message,
        IReadOnlyList<string> reasons,
        (string? Type, string? Id, string? Source) cloudEvent,
        CancellationToken cancellationToken)
    {
        var poison = new StorageQueuePoisonMessage(
            queueName,
            metadata.Id,
            metadata.DequeueCount,
            metadata.InsertionTime,
            timeProvider.GetUtcNow(),
            reasons,
            cloudEvent.Type,
            cloudEvent.Id,
            cloudEvent.Source,
            message);
        var text = poison.ToJson();
        var size = StorageQueues.EncodedSize(System.Text.Encoding.UTF8.GetByteCount(text));
        if (size > maxMessageBytes)
        {
            throw new InvalidOperationException(
                $"The poison message for message '{metadata.Id}' of queue '{queueName}' would be {size} bytes once Base64-encoded, more than the {maxMessageBytes} bytes a Storage Queue message may have: it cannot carry the original message with its reason.");
        }

        var poisonQueue = await queues.GetAsync(StorageQueues.PoisonQueueName(queueName), cancellationToken).ConfigureAwait(false);

        // Not cancellable from here: the caller deletes (or completes) the original only after this succeeded.
        await poisonQueue.SendMessageAsync(text, visibilityTimeout: null, timeToLive: TimeSpan.FromSeconds(-1), CancellationToken.None).ConfigureAwait(false);
        return poison;
    }
}
