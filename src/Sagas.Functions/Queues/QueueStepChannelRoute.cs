using CloudNative.CloudEvents;
using Sagas.Steps;

namespace Sagas.Functions.Queues;

/// <summary>A queue step channel under the name routes use.</summary>
internal sealed class QueueStepChannelRoute<TChannel>(string name, TChannel channel) : IStepChannel
    where TChannel : IQueueStepChannel
{
    public string Name { get; } = name;

    public TChannel Channel { get; } = channel;

    public Task SendAsync(CloudEvent command, CancellationToken cancellationToken) => Channel.SendCommandAsync(command, cancellationToken);
}
