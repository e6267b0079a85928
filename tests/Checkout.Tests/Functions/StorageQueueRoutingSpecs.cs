using Azure.Storage.Queues;
using Checkout.Contracts;
using Checkout.Simulation;
using Checkout.Steps;
using Microsoft.Extensions.DependencyInjection;
using Sagas.Functions;
using Sagas.Functions.Azure;
using Sagas.Functions.Azure.Channel;
using Sagas.Functions.Azure.QueueTrigger;
using Sagas.Gateway;
using Sagas.Steps;

namespace Checkout.Tests.Functions;

public sealed class When_the_retriable_steps_are_routed_to_an_azure_function_behind_a_storage_queue
{
    [Fact]
    public async Task The_same_checkout_completes_with_each_retriable_step_run_by_the_queue_trigger()
    {
        var connection = Environment.GetEnvironmentVariable("SAGAS_TEST_AZURITE")
            ?? throw new InvalidOperationException("SAGAS_TEST_AZURITE is not set: run the tests through eng/test.sh, which starts Azurite.");
        var run = Guid.NewGuid().ToString("N")[..8];
        var requests = $"checkout-invoice-requests-{run}";
        var replies = $"checkout-invoice-replies-{run}";

        // The function app: the checkout's own handlers of the three retriable steps behind the queue trigger adapter, in its own container.
        var function = new ServiceCollection().AddLogging().AddSingleton<EffectLog>().AddSingleton<Crm>();
        function.AddStepFunctions(f => f
            .AddContracts(c => c.AddCheckoutContracts())
            .AddHandler<GenerateInvoice, InvoiceGenerated, GenerateInvoiceHandler>()
            .AddHandler<SendConfirmation, Done, SendConfirmationHandler>()
            .AddHandler<UpdateCrm, Done, UpdateCrmHandler>()
            .AddAzureQueueTrigger(o =>
            {
                o.ConnectionString = connection;
                o.ReplyQueueName = replies;
            }));
        await using var functionApp = function.BuildServiceProvider();

        // The saga application: GenerateInvoice, SendConfirmation and UpdateCrm routed to the Storage Queue channel by configuration.
        await using var checkout = await CheckoutFixture.StartAsync(s =>
        {
            s.AddStorageQueueStepChannel("invoices", o =>
            {
                o.ConnectionString = connection;
                o.RequestQueueName = requests;
                o.ReplyQueueName = replies;
                o.MaxPollingInterval = TimeSpan.FromMilliseconds(200);
            }, pollingClock: TimeProvider.System); // the saga's clock is fake here; polling must still move
            s.Configure<StepRoutingOptions>(o =>
            {
                foreach (var command in CheckoutStepRoutes.FunctionCommands)
                {
                    o.Routes[CheckoutStepRoutes.EventTypeOf(command)] = new StepRoute { Channel = "invoices" };
                }
            });
        });
        var order = await checkout.SubmitAsync(Scenario.Happy);
        var requestQueue = new QueueClient(connection, requests, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        var trigger = functionApp.GetRequiredService<StepQueueTrigger>();
        var state = await ChannelRun.CompleteAsync(checkout, order.OrderId, stop => StorageQueuePump.RunAsync(requestQueue, requests, trigger, stop));

        Assert.All(state.Steps, s => Assert.Equal(StepStatus.Completed, s.Status));
        Assert.NotNull(state.InvoiceNumber);
        Assert.Equal(["confirmation-sent", "crm-updated", "invoice-generated"], functionApp.GetRequiredService<EffectLog>().For(order.OrderId).Order());
        Assert.Empty(checkout.Effects.For(order.OrderId).Intersect(["confirmation-sent", "crm-updated", "invoice-generated"]));
    }
}
