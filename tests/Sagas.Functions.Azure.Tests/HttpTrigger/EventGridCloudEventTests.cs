using System.Net;
using System.Text;
using System.Text.Json;
using Sagas.Functions.Azure.Queues;
using Sagas.Functions.Azure.Tests.Harness;

namespace Sagas.Functions.Azure.Tests.HttpTrigger;

/// <summary>
/// The Azure Event Grid sample event in the CloudEvents 1.0 schema: it parses as a structured CloudEvent, and a step
/// trigger that Event Grid pushes it to (over HTTP, or through a Storage Queue) rejects it with a reason, because it is
/// not a step command.
/// </summary>
public sealed class EventGridCloudEventTests
{
    private const string Sample = "azure/azure-eventgrid-cloudevent-blobcreated.json";

    [Fact]
    public void The_Event_Grid_sample_parses_as_a_structured_CloudEvent()
    {
        var cloudEvent = Commands.Converter.DecodeStructured(VectorFiles.ReadBytes(Sample));

        Assert.Equal(CloudNative.CloudEvents.CloudEventsSpecVersion.V1_0, cloudEvent.SpecVersion);
        Assert.Equal("Microsoft.Storage.BlobCreated", cloudEvent.Type);
        Assert.Equal("9aeb0fdf-c01e-0131-0922-9eb54906e209", cloudEvent.Id);
        Assert.Equal("/subscriptions/{subscription-id}/resourceGroups/{resource-group}/providers/Microsoft.Storage/storageAccounts/{storage-account}", cloudEvent.Source?.OriginalString);
        Assert.Equal("blobServices/default/containers/{storage-container}/blobs/{new-file}", cloudEvent.Subject);
        Assert.Equal(new DateTimeOffset(2019, 11, 18, 15, 13, 39, 458, TimeSpan.Zero).AddTicks(9254), cloudEvent.Time);
        var data = Assert.IsType<JsonElement>(cloudEvent.Data);
        Assert.Equal("PutBlockList", data.GetProperty("api").GetString());
        Assert.Equal(30699, data.GetProperty("contentLength").GetInt32());
        Assert.Equal("681fe319-3006-00a8-0022-9e7cde000000", data.GetProperty("storageDiagnostics").GetProperty("batchId").GetString());
    }

    [Fact]
    public async Task Pushed_to_the_HTTP_trigger_it_is_rejected_400_as_an_unknown_type()
    {
        await using var app = new FunctionApp("http-replies-unused");
        using var request = StepHttpTriggerTests.PostRaw(VectorFiles.ReadBytes(Sample), "application/cloudevents+json; charset=utf-8");
        var response = await TestHttpResponseData.ToResponseMessageAsync(await app.HttpTrigger.RunAsync(await TestHttpRequestData.FromAsync(request)));

        var (problem, errors) = await StepHttpTriggerTests.ReadProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("Microsoft.Storage.BlobCreated", problem.GetProperty("eventType").GetString());
        Assert.Equal("9aeb0fdf-c01e-0131-0922-9eb54906e209", problem.GetProperty("eventId").GetString());
        Assert.Contains("unknown event type 'Microsoft.Storage.BlobCreated'", Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delivered_through_a_Storage_Queue_it_goes_to_the_poison_queue_at_once()
    {
        var queue = new QueueNames("egrid").New("req");
        await using var app = new FunctionApp(queue + "-rep");
        await Azurite.Queue(queue).CreateIfNotExistsAsync();
        await Azurite.Queue(queue).SendMessageAsync(VectorFiles.ReadText(Sample));

        var delivery = await new FunctionsQueueHost(queue, 5, (m, ct) => app.QueueTrigger.RunAsync(queue, m, ct)).DeliverNextAsync();

        Assert.Null(delivery.Failure);
        var poison = StorageQueuePoisonMessage.Parse(Assert.Single(await Azurite.PeekAsync(queue + "-poison")).Body.ToString());
        Assert.Equal("Microsoft.Storage.BlobCreated", poison.EventType);
        Assert.Equal(Encoding.UTF8.GetString(VectorFiles.ReadBytes(Sample)), poison.Message);
        Assert.Contains("unknown event type 'Microsoft.Storage.BlobCreated'", poison.Reason, StringComparison.Ordinal);
    }
}
