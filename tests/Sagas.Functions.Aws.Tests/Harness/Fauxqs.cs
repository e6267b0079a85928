using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;

namespace Sagas.Functions.Aws.Tests.Harness;

/// <summary>
/// The fauxqs server eng/test.sh starts (its endpoint in SAGAS_TEST_SQS). Each test class names its queues with a prefix
/// of its own, and every instance (one per test) adds a random suffix, so tests never see each other's messages.
/// </summary>
public sealed class Fauxqs : IAsyncDisposable
{
    private readonly string _prefix;
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];
    private readonly List<string> _created = [];

    public Fauxqs(string classPrefix)
    {
        _prefix = classPrefix;
        Client = CreateClient();
    }

    public static string Endpoint =>
        Environment.GetEnvironmentVariable("SAGAS_TEST_SQS")
        ?? throw new InvalidOperationException("SAGAS_TEST_SQS is not set: run the tests through eng/test.sh, which starts fauxqs, or start one yourself (eng/services/fauxqs.sh start DIR prints its URL) and export SAGAS_TEST_SQS=<that URL>.");

    public AmazonSQSClient Client { get; }

    public static AmazonSQSClient CreateClient() => CreateClientFor(Endpoint);

    /// <summary>A client for <paramref name="serviceUrl"/> configured as INFRA.md says fauxqs needs.</summary>
    public static AmazonSQSClient CreateClientFor(string serviceUrl)
        => new(new BasicAWSCredentials("test", "test"), new AmazonSQSConfig { ServiceURL = serviceUrl, AuthenticationRegion = "us-east-1" });

    /// <summary>Creates <c>{class prefix}-{name}-{run}</c> (with <c>.fifo</c> for a FIFO queue) and returns its URL.</summary>
    public async Task<string> CreateQueueAsync(string name, bool fifo = false)
    {
        var queueName = $"{_prefix}-{name}-{_run}{(fifo ? ".fifo" : "")}";
        var request = new CreateQueueRequest { QueueName = queueName };
        if (fifo)
        {
            request.Attributes = new Dictionary<string, string> { ["FifoQueue"] = "true" };
        }

        var url = (await Client.CreateQueueAsync(request)).QueueUrl;
        _created.Add(url);
        return url;
    }

    /// <summary>A URL of a queue that does not exist, to make sends fail.</summary>
    public string MissingQueueUrl(string name) => $"{Endpoint}/000000000000/{_prefix}-{name}-{_run}-missing";

    /// <summary>Receives what is in <paramref name="queueUrl"/> now (system and message attributes included), waiting up to <paramref name="wait"/> seconds for the first.</summary>
    public async Task<List<Message>> ReceiveAsync(string queueUrl, int wait = 5, int max = 10)
    {
        var response = await Client.ReceiveMessageAsync(new ReceiveMessageRequest
        {
            QueueUrl = queueUrl,
            MaxNumberOfMessages = max,
            WaitTimeSeconds = wait,
            MessageSystemAttributeNames = ["All"],
            MessageAttributeNames = ["All"],
        });
        return response.Messages ?? []; // AWSSDK v4: null when empty
    }

    /// <summary>
    /// Receives <paramref name="count"/> messages one receive at a time, deleting each: fauxqs hands out one message per
    /// FIFO message group per receive and locks the group while it is in flight (SQS returns up to 10 of a group at once),
    /// so this is how a test gets several messages of one group to put in one Lambda event, in queue order.
    /// </summary>
    public async Task<List<Message>> TakeAsync(string queueUrl, int count)
    {
        var taken = new List<Message>();
        while (taken.Count < count)
        {
            foreach (var message in await ReceiveAsync(queueUrl, max: count - taken.Count))
            {
                taken.Add(message);
                await Client.DeleteMessageAsync(queueUrl, message.ReceiptHandle);
            }
        }

        return taken;
    }

    /// <summary>Visible plus in-flight messages of the queue.</summary>
    public async Task<(int Visible, int InFlight)> CountAsync(string queueUrl)
    {
        var attributes = (await Client.GetQueueAttributesAsync(new GetQueueAttributesRequest
        {
            QueueUrl = queueUrl,
            AttributeNames = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        })).Attributes;
        return (int.Parse(attributes["ApproximateNumberOfMessages"], System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(attributes["ApproximateNumberOfMessagesNotVisible"], System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// The Lambda event the SQS event source mapping would build from <paramref name="messages"/> of
    /// <paramref name="queueUrl"/> (shape of the AWS sample events in Vectors/).
    /// </summary>
    public static MemoryStream LambdaEvent(string queueUrl, IEnumerable<Message> messages)
    {
        var queueName = queueUrl[(queueUrl.LastIndexOf('/') + 1)..];
        var records = new JsonArray();
        foreach (var message in messages)
        {
            var attributes = new JsonObject();
            foreach (var (name, value) in message.Attributes ?? [])
            {
                attributes[name] = value;
            }

            var messageAttributes = new JsonObject();
            foreach (var (name, value) in message.MessageAttributes ?? [])
            {
                messageAttributes[name] = new JsonObject
                {
                    ["stringValue"] = value.StringValue,
                    ["stringListValues"] = new JsonArray(),
                    ["binaryListValues"] = new JsonArray(),
                    ["dataType"] = value.DataType,
                };
            }

            records.Add(new JsonObject
            {
                ["messageId"] = message.MessageId,
                ["receiptHandle"] = message.ReceiptHandle,
                ["body"] = message.Body,
                ["attributes"] = attributes,
                ["messageAttributes"] = messageAttributes,
                ["md5OfBody"] = message.MD5OfBody,
                ["eventSource"] = "aws:sqs",
                ["eventSourceARN"] = $"arn:aws:sqs:us-east-1:000000000000:{queueName}",
                ["awsRegion"] = "us-east-1",
            });
        }

        var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            new JsonObject { ["Records"] = records }.WriteTo(writer);
        }

        stream.Position = 0;
        return stream;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var url in _created)
        {
            try
            {
                await Client.DeleteQueueAsync(url);
            }
            catch (AmazonSQSException)
            {
                // already gone
            }
        }

        Client.Dispose();
    }
}
