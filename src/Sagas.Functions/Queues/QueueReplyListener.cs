using Microsoft.Extensions.Hosting;
using Sagas.Steps;

namespace Sagas.Functions.Queues;

/// <summary>Listens on a channel's reply queue and hands each reply to the saga application.</summary>
internal sealed class QueueReplyListener(IQueueStepChannel channel, IStepReplyHandler replies) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => channel.ListenAsync(replies.HandleAsync, stoppingToken);
}
