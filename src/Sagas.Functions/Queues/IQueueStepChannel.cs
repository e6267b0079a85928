using CloudNative.CloudEvents;

namespace Sagas.Functions.Queues;

/// <summary>A step channel over two queues: commands go out on one, replies come back on the other.</summary>
internal interface IQueueStepChannel
{
    /// <summary>Sends a step command to the request queue.</summary>
    Task SendCommandAsync(CloudEvent command, CancellationToken cancellationToken);

    /// <summary>Hands each reply from the reply queue to <paramref name="onReply"/> until <paramref name="cancellationToken"/> is cancelled.</summary>
    Task ListenAsync(Func<CloudEvent, CancellationToken, Task> onReply, CancellationToken cancellationToken);
}
