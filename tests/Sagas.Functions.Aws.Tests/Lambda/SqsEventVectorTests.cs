using System.Text.Json.Nodes;
using Sagas.Functions.Aws.Lambda;
using Sagas.Functions.Aws.Tests.Harness;

namespace Sagas.Functions.Aws.Tests.Lambda;

/// <summary>The AWS sample events and response in Vectors/ (see Vectors/SOURCES.md), read and written as Lambda does.</summary>
public class SqsEventVectorTests
{
    [Fact]
    public async Task The_aws_lambda_dotnet_sample_event_maps_every_field()
    {
        await using var input = VectorFiles.Open("aws-sqs-event.json");

        var sqsEvent = await SqsEvent.ReadAsync(input);

        var record = Assert.Single(sqsEvent.Records);
        Assert.Equal("MessageID", record.MessageId);
        Assert.Equal("MessageReceiptHandle", record.ReceiptHandle);
        Assert.Equal("Message Body", record.Body);
        Assert.Equal("fce0ea8dd236ccb3ed9b37dae260836f", record.Md5OfBody);
        Assert.Equal("582c92c5c5b6ac403040a4f3ab3115c9", record.Md5OfMessageAttributes);
        Assert.Equal("arn:aws:sqs:us-west-2:123456789012:SQSQueue", record.EventSourceArn);
        Assert.Equal("aws:sqs", record.EventSource);
        Assert.Equal("us-west-2", record.AwsRegion);
        Assert.Equal(2, record.ApproximateReceiveCount);
        Assert.Null(record.MessageGroupId);
        Assert.Equal("1520621625029", record.Attributes["SentTimestamp"]);
        Assert.Equal("AROAIWPX5BD2BHG722MW4:sender", record.Attributes["SenderId"]);
        Assert.Equal("1520621634884", record.Attributes["ApproximateFirstReceiveTimestamp"]);

        var number = record.MessageAttributes["Attribute1"];
        Assert.Equal("Number", number.DataType);
        Assert.Equal("123", number.StringValue);
        Assert.Equal("Smaug", System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(number.BinaryValue!)));
        Assert.Equal(["a1", "a2"], number.StringListValues);
        Assert.Equal(["VmVybWl0aHJheA==", "UGVqb3JhdGl2ZQ=="], number.BinaryListValues);
        var text = record.MessageAttributes["Attribute2"];
        Assert.Equal("String", text.DataType);
        Assert.Equal("AttributeValue2", text.StringValue);
        Assert.Null(text.BinaryValue);
        Assert.Empty(text.BinaryListValues!);
    }

    [Fact]
    public async Task The_aws_lambda_go_sample_event_maps_every_field()
    {
        await using var input = VectorFiles.Open("aws-sqs-event.aws-lambda-go.json");

        var record = Assert.Single((await SqsEvent.ReadAsync(input)).Records);

        Assert.Equal("MessageID_1", record.MessageId);
        Assert.Equal("Message Body", record.Body);
        Assert.Equal(2, record.ApproximateReceiveCount);
        Assert.Equal(["Attribute1", "Attribute2", "Attribute3"], record.MessageAttributes.Keys.Order());
        Assert.Equal("Binary", record.MessageAttributes["Attribute3"].DataType);
        Assert.Equal("1100", System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(record.MessageAttributes["Attribute3"].BinaryValue!)));
        Assert.Equal(["abc", "123"], record.MessageAttributes["Attribute3"].StringListValues);
        Assert.Equal("123", record.MessageAttributes["Attribute2"].StringValue);
        Assert.Equal("AttributeValue1", record.MessageAttributes["Attribute1"].StringValue);
    }

    [Fact]
    public async Task Partial_batch_response_has_the_shape_of_the_aws_sample()
    {
        var response = new SqsBatchResponse { BatchItemFailures = [new("MessageID_1"), new("MessageID_2")] };
        using var output = new MemoryStream();

        await response.WriteAsync(output);

        var written = JsonNode.Parse(output.ToArray());
        var expected = JsonNode.Parse(VectorFiles.ReadText("aws-sqs-batch-response.json"));
        Assert.True(JsonNode.DeepEquals(expected, written), $"written: {written?.ToJsonString()}");
        Assert.Equal("""{"batchItemFailures":[{"itemIdentifier":"MessageID_1"},{"itemIdentifier":"MessageID_2"}]}""", System.Text.Encoding.UTF8.GetString(output.ToArray()));
    }

    [Fact]
    public async Task A_batch_without_failures_answers_an_empty_batchItemFailures_array()
    {
        using var output = new MemoryStream();

        await new SqsBatchResponse().WriteAsync(output);

        Assert.Equal("""{"batchItemFailures":[]}""", System.Text.Encoding.UTF8.GetString(output.ToArray()));
    }

    [Fact]
    public async Task A_payload_that_is_not_an_sqs_event_fails_the_invocation()
    {
        using var input = new MemoryStream("null"u8.ToArray());

        await Assert.ThrowsAsync<System.Text.Json.JsonException>(async () => await SqsEvent.ReadAsync(input));
    }
}
