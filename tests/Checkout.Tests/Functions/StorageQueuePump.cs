using Azure.Storage.Queues;
using Sagas.Functions.Azure.QueueTrigger;

namespace Checkout.Tests.Functions;

/// <summary>Plays the Azure Functions host's queue listener for a test: what the request queue holds goes to the queue trigger.</summary>
internal static class StorageQueuePump
{
    /// <summary>Receives from <paramref name="queue"/> (named <paramref name="queueName"/>) and invokes <paramref name="trigger"/> with each message, until cancelled.</summary>
    public static async Task RunAsync(QueueClient queue, string queueName, StepQueueTrigger trigger, CancellationToken cancellationToken)
    {
        await queue.CreateIfNotExistsAsync(cancellationToken: CancellationToken.None);
        while (!cancellationToken.IsCancellationRequested)
        {
            Azure.Storage.Queues.Models.QueueMessage[] messages;
            try
            {
                messages = (await queue.ReceiveMessagesAsync(maxMessages: 16, cancellationToken: cancellationToken)).Value;
                if (messages.Length == 0)
                {
                    await Task.Delay(50, cancellationToken);
                    continue;
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }

            foreach (var message in messages)
            {
                await trigger.RunAsync(queueName, message, CancellationToken.None);
                await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, CancellationToken.None);
            }
        }
    }
}
