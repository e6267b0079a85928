using System.Text.Json;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Sagas.Functions.Azure.QueueTrigger;
using Sagas.Functions.Azure.Tests.Harness;

namespace Sagas.Functions.Azure.Tests.QueueTrigger;

public sealed class QueueTriggerMetadataTests
{
    private static readonly DateTimeOffset Inserted = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Every_property_of_the_documented_shape_is_read_from_binding_data()
    {
        using var shape = JsonDocument.Parse(VectorFiles.ReadText("azure/azure-functions-queue-trigger-metadata.shape.json"));
        var documented = shape.RootElement.EnumerateObject().Select(p => p.Name).Where(n => !n.StartsWith('_')).ToHashSet();
        Assert.Equal(
            new HashSet<string> { "QueueTrigger", "DequeueCount", "ExpirationTime", "Id", "InsertionTime", "NextVisibleTime", "PopReceipt" },
            documented);

        var message = QueuesModelFactory.QueueMessage("message-1", "receipt-1", BinaryData.FromString("{}"), 3, Inserted.AddSeconds(30), Inserted, Inserted.AddDays(7));
        var bindingData = FunctionsQueueHost.BindingDataOf(message);
        Assert.Superset(documented, bindingData.Keys.ToHashSet());

        var metadata = QueueTriggerMetadata.FromBindingData(bindingData);

        Assert.Equal(
            new QueueTriggerMetadata
            {
                Id = "message-1",
                DequeueCount = 3,
                PopReceipt = "receipt-1",
                InsertionTime = Inserted,
                ExpirationTime = Inserted.AddDays(7),
                NextVisibleTime = Inserted.AddSeconds(30),
            },
            metadata);
        Assert.Equal(metadata, QueueTriggerMetadata.FromQueueMessage(message));
    }

    [Fact]
    public void Typed_values_and_other_key_cases_are_read_too()
    {
        var metadata = QueueTriggerMetadata.FromBindingData(new Dictionary<string, object?>
        {
            ["id"] = "message-2",
            ["dequeueCount"] = 5L,
            ["insertionTime"] = Inserted,
            ["nextVisibleTime"] = "2026-03-01T12:00:30+00:00",
        });

        Assert.Equal("message-2", metadata.Id);
        Assert.Equal(5, metadata.DequeueCount);
        Assert.Equal(Inserted, metadata.InsertionTime);
        Assert.Equal(Inserted.AddSeconds(30), metadata.NextVisibleTime);
        Assert.Null(metadata.PopReceipt);
        Assert.Null(metadata.ExpirationTime);
    }

    [Fact]
    public void Binding_data_without_queue_metadata_is_refused_with_a_hint()
    {
        var error = Assert.Throws<FormatException>(() => QueueTriggerMetadata.FromBindingData(new Dictionary<string, object?> { ["Id"] = "x" }));
        Assert.Contains("DequeueCount", error.Message, StringComparison.Ordinal);
        Assert.Contains("QueueTrigger", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_trigger_options_fail_at_start_naming_each_setting()
    {
        var services = new ServiceCollection();
        services.AddStepFunctions(f => f
            .AddHandler<ReserveStock, StockReserved, ReserveStockHandler>()
            .AddAzureQueueTrigger(o =>
            {
                o.ReplyQueueName = "Replies";
                o.MaxDequeueCount = 0;
            }));
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<StepQueueTriggerOptions>>().Value);

        Assert.Contains(error.Failures, f => f.StartsWith("StepQueueTriggerOptions.ConnectionString or StepQueueTriggerOptions.ServiceUri must be set", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith("StepQueueTriggerOptions.ReplyQueueName must be an Azure queue name", StringComparison.Ordinal) && f.Contains("'Replies'", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith("StepQueueTriggerOptions.MaxDequeueCount must be at least 1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_queue_name_that_is_not_an_Azure_queue_name_is_a_programming_error()
    {
        await using var app = new FunctionApp("replies");
        var metadata = new QueueTriggerMetadata { Id = "m", DequeueCount = 1 };
        await Assert.ThrowsAsync<ArgumentException>(() => app.QueueTrigger.RunAsync("Not_A_Queue", "{}", metadata));
    }
}
