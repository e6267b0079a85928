using Amazon.SQS;
using Amazon.SQS.Model;
using Sagas.Functions.Aws.Lambda;

namespace Checkout.Tests.Functions;

/// <summary>Plays AWS Lambda's SQS event source mapping for a test: what the request queue holds goes to the handler.</summary>
internal static class SqsLambdaPump
{
    /// <summary>Plays the Lambda event source mapping: receives from the request queue and invokes the handler with the SQS event.</summary>
    public static async Task RunAsync(IAmazonSQS sqs, string queue, SqsLambdaHandler handler, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            ReceiveMessageResponse received;
            try
            {
                received = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = queue, WaitTimeSeconds = 1, MaxNumberOfMessages = 10, MessageSystemAttributeNames = ["All"], MessageAttributeNames = ["All"] }, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            if (received.Messages is not { Count: > 0 } messages)
            {
                continue;
            }

            var sqsEvent = new SqsEvent
            {
                Records = [.. messages.Select(m => new SqsEventRecord
                {
                    MessageId = m.MessageId,
                    ReceiptHandle = m.ReceiptHandle,
                    Body = m.Body,
                    EventSource = "aws:sqs",
                    Attributes = m.Attributes ?? [],
                })],
            };
            var response = await handler.HandleAsync(sqsEvent, CancellationToken.None);
            foreach (var message in messages.Where(m => response.BatchItemFailures.All(f => f.ItemIdentifier != m.MessageId)))
            {
                await sqs.DeleteMessageAsync(queue, message.ReceiptHandle, CancellationToken.None);
            }
        }
    }
}
