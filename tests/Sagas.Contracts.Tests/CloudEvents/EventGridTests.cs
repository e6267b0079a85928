using System.Text.Json;
using CloudNative.CloudEvents;
using Sagas.CloudEvents;
using Sagas.Contracts.Tests.Harness;

namespace Sagas.Contracts.Tests.CloudEvents;

/// <summary>The Azure Event Grid "BlobCreated" sample in the CloudEvents schema (azure/azure-eventgrid-cloudevent-blobcreated.json).</summary>
public class EventGridTests
{
    private const string File = "azure/azure-eventgrid-cloudevent-blobcreated.json";

    private readonly CloudEventConverter _converter = new(new ContractRegistry());

    [Fact]
    public void Blob_created_sample_parses_with_its_attributes()
    {
        var decoded = _converter.DecodeStructured(VectorFiles.ReadBytes(File));

        Assert.Equal("Microsoft.Storage.BlobCreated", decoded.Type);
        Assert.Equal("9aeb0fdf-c01e-0131-0922-9eb54906e209", decoded.Id);
        Assert.Equal(
            "/subscriptions/{subscription-id}/resourceGroups/{resource-group}/providers/Microsoft.Storage/storageAccounts/{storage-account}",
            decoded.Source?.OriginalString);
        Assert.Equal("blobServices/default/containers/{storage-container}/blobs/{new-file}", decoded.Subject);
    }

    [Fact]
    public void Seven_digit_fractional_seconds_are_kept_to_the_tick()
    {
        var decoded = _converter.DecodeStructured(VectorFiles.ReadBytes(File));

        Assert.Equal(new DateTimeOffset(2019, 11, 18, 15, 13, 39, TimeSpan.Zero).AddTicks(4589254), decoded.Time);
    }

    [Fact]
    public void Missing_datacontenttype_is_treated_as_json()
    {
        var decoded = _converter.DecodeStructured(VectorFiles.ReadBytes(File));

        Assert.Equal("application/json", decoded.DataContentType);
        var data = Assert.IsType<JsonElement>(decoded.Data);
        Assert.Equal("PutBlockList", data.GetProperty("api").GetString());
        Assert.Equal(30699, data.GetProperty("contentLength").GetInt32());
        Assert.Equal("681fe319-3006-00a8-0022-9e7cde000000", data.GetProperty("storageDiagnostics").GetProperty("batchId").GetString());
    }

    [Fact]
    public async Task Blob_created_sample_round_trips_through_structured_and_binary_mode()
    {
        var decoded = _converter.DecodeStructured(VectorFiles.ReadBytes(File));

        CloudEventAssert.Equivalent(decoded, _converter.DecodeStructured(_converter.EncodeStructured(decoded)));
        using var request = new HttpRequestMessage(HttpMethod.Post, "http://localhost/events")
        {
            Content = _converter.ToHttpContent(decoded, ContentMode.Binary),
        };
        Assert.Equal("application/json", request.Content.Headers.ContentType?.MediaType);
        CloudEventAssert.Equivalent(decoded, await _converter.FromHttpRequestAsync(request));
    }

    [Fact]
    public void Unregistered_event_grid_type_is_rejected_with_the_type_named()
    {
        var decoded = _converter.DecodeStructured(VectorFiles.ReadBytes(File));

        var rejected = Assert.Throws<CloudEventRejectedException>(() => _converter.Decode(decoded));

        Assert.Equal("Microsoft.Storage.BlobCreated", rejected.EventType);
        Assert.Equal("9aeb0fdf-c01e-0131-0922-9eb54906e209", rejected.EventId);
        Assert.Contains("unknown event type 'Microsoft.Storage.BlobCreated'", Assert.Single(rejected.Reasons), StringComparison.Ordinal);
    }
}
