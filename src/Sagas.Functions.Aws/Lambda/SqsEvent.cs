using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sagas.Functions.Aws.Lambda;

/// <summary>
/// The event AWS Lambda passes to a function triggered by an SQS queue: up to the batch size of records, each one SQS
/// message. Read with <see cref="ReadAsync"/>; property names are those of the wire format.
/// </summary>
public sealed class SqsEvent
{
    /// <summary>The messages of this invocation, in the order Lambda delivered them.</summary>
    [JsonPropertyName("Records")]
    public IReadOnlyList<SqsEventRecord> Records { get; init; } = [];

    /// <summary>Reads an SQS event from the invocation payload.</summary>
    /// <param name="input">The payload as the Lambda runtime hands it over.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <exception cref="JsonException">The payload is not an SQS event.</exception>
    public static async ValueTask<SqsEvent> ReadAsync(Stream input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        return await JsonSerializer.DeserializeAsync(input, SqsJsonContext.Default.SqsEvent, cancellationToken).ConfigureAwait(false)
            ?? throw new JsonException("The Lambda payload is JSON null, not an SQS event.");
    }
}

/// <summary>One SQS message in an <see cref="SqsEvent"/>.</summary>
public sealed class SqsEventRecord
{
    /// <summary>The SQS message id; a partial batch response names failed records by it.</summary>
    [JsonPropertyName("messageId")]
    public string MessageId { get; init; } = "";

    /// <summary>The receipt handle of this delivery.</summary>
    [JsonPropertyName("receiptHandle")]
    public string? ReceiptHandle { get; init; }

    /// <summary>The message body; for Sagas, a structured-mode CloudEvent.</summary>
    [JsonPropertyName("body")]
    public string? Body { get; init; }

    /// <summary>The MD5 of the body, hex.</summary>
    [JsonPropertyName("md5OfBody")]
    public string? Md5OfBody { get; init; }

    /// <summary>The MD5 of the message attributes, hex.</summary>
    [JsonPropertyName("md5OfMessageAttributes")]
    public string? Md5OfMessageAttributes { get; init; }

    /// <summary>Always <c>aws:sqs</c>.</summary>
    [JsonPropertyName("eventSource")]
    public string? EventSource { get; init; }

    /// <summary>The ARN of the queue; a FIFO queue's ends in <c>.fifo</c>.</summary>
    [JsonPropertyName("eventSourceARN")]
    public string? EventSourceArn { get; init; }

    /// <summary>The region of the queue.</summary>
    [JsonPropertyName("awsRegion")]
    public string? AwsRegion { get; init; }

    /// <summary>
    /// The system attributes, all strings: <c>ApproximateReceiveCount</c>, <c>SentTimestamp</c> (epoch milliseconds),
    /// <c>SenderId</c>, <c>ApproximateFirstReceiveTimestamp</c>, and on FIFO queues <c>MessageGroupId</c>,
    /// <c>MessageDeduplicationId</c>, <c>SequenceNumber</c>.
    /// </summary>
    [JsonPropertyName("attributes")]
    public IReadOnlyDictionary<string, string> Attributes { get; init; } = new Dictionary<string, string>();

    /// <summary>The message attributes set by the sender, by name.</summary>
    [JsonPropertyName("messageAttributes")]
    public IReadOnlyDictionary<string, SqsEventMessageAttributeValue> MessageAttributes { get; init; } = new Dictionary<string, SqsEventMessageAttributeValue>();

    /// <summary>How many times this message has been received, from <see cref="Attributes"/>; <see langword="null"/> when absent.</summary>
    [JsonIgnore]
    public int? ApproximateReceiveCount
        => Attributes.TryGetValue("ApproximateReceiveCount", out var text) && int.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var count) ? count : null;

    /// <summary>The FIFO message group, from <see cref="Attributes"/>; <see langword="null"/> on a standard queue.</summary>
    [JsonIgnore]
    public string? MessageGroupId => Attributes.TryGetValue("MessageGroupId", out var group) ? group : null;
}

/// <summary>A message attribute of an <see cref="SqsEventRecord"/>.</summary>
public sealed class SqsEventMessageAttributeValue
{
    /// <summary><c>String</c>, <c>Number</c> or <c>Binary</c>, optionally with a custom suffix (<c>Number.int</c>).</summary>
    [JsonPropertyName("dataType")]
    public string? DataType { get; init; }

    /// <summary>The value of a <c>String</c> or <c>Number</c> attribute.</summary>
    [JsonPropertyName("stringValue")]
    public string? StringValue { get; init; }

    /// <summary>The value of a <c>Binary</c> attribute, Base64 as on the wire.</summary>
    [JsonPropertyName("binaryValue")]
    public string? BinaryValue { get; init; }

    /// <summary>Reserved by SQS; carried as delivered.</summary>
    [JsonPropertyName("stringListValues")]
    public IReadOnlyList<string>? StringListValues { get; init; }

    /// <summary>Reserved by SQS; carried as delivered (Base64).</summary>
    [JsonPropertyName("binaryListValues")]
    public IReadOnlyList<string>? BinaryListValues { get; init; }
}

/// <summary>
/// The partial batch response of an SQS-triggered function (the event source mapping needs
/// <c>ReportBatchItemFailures</c>): the records to deliver again. Empty means the whole batch is done.
/// </summary>
public sealed class SqsBatchResponse
{
    /// <summary>The records that failed and should be delivered again.</summary>
    [JsonPropertyName("batchItemFailures")]
    public IReadOnlyList<SqsBatchItemFailure> BatchItemFailures { get; init; } = [];

    /// <summary>Writes the response as the Lambda runtime returns it: <c>{"batchItemFailures":[{"itemIdentifier":"…"}]}</c>.</summary>
    /// <param name="output">Where to write.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    public Task WriteAsync(Stream output, CancellationToken cancellationToken = default)
        => JsonSerializer.SerializeAsync(output, this, SqsJsonContext.Default.SqsBatchResponse, cancellationToken);
}

/// <summary>One failed record of an <see cref="SqsBatchResponse"/>.</summary>
/// <param name="ItemIdentifier">The <see cref="SqsEventRecord.MessageId"/> of the record.</param>
public sealed record SqsBatchItemFailure([property: JsonPropertyName("itemIdentifier")] string ItemIdentifier);

/// <summary>Source-generated (de)serialization: no reflection at cold start.</summary>
[JsonSourceGenerationOptions(GenerationMode = JsonSourceGenerationMode.Default)]
[JsonSerializable(typeof(SqsEvent))]
[JsonSerializable(typeof(SqsBatchResponse))]
[JsonSerializable(typeof(IReadOnlyList<string>))]
internal sealed partial class SqsJsonContext : JsonSerializerContext;
