using Amazon.SQS;
using Amazon.SQS.Model;
using Checkout.Contracts;
using Checkout.Simulation;
using Checkout.Steps;
using Microsoft.Extensions.DependencyInjection;
using Sagas.Functions;
using Sagas.Functions.Aws.Channel;
using Sagas.Functions.Aws.Lambda;
using Sagas.Gateway;
using Sagas.Steps;

namespace Checkout.Tests.Functions;

public sealed class When_the_retriable_steps_are_routed_to_a_lambda_behind_sqs
{
    [Fact]
    public async Task The_same_checkout_completes_with_each_retriable_step_run_by_the_lambda_handler()
    {
        using var sqs = Fauxqs.Client();
        var run = Guid.NewGuid().ToString("N")[..8];
        var requests = (await sqs.CreateQueueAsync($"checkout-crm-requests-{run}")).QueueUrl;
        var replies = (await sqs.CreateQueueAsync($"checkout-crm-replies-{run}")).QueueUrl;
        var deadLetters = (await sqs.CreateQueueAsync($"checkout-crm-dead-{run}")).QueueUrl;

        // The function: the checkout's own handlers of the three retriable steps behind the SQS Lambda handler, in its own container.
        var function = new ServiceCollection().AddLogging().AddSingleton<IAmazonSQS>(sqs).AddSingleton<EffectLog>().AddSingleton<Crm>();
        function.AddStepFunctions(f => f
            .AddContracts(c => c.AddCheckoutContracts())
            .AddHandler<GenerateInvoice, InvoiceGenerated, GenerateInvoiceHandler>()
            .AddHandler<SendConfirmation, Done, SendConfirmationHandler>()
            .AddHandler<UpdateCrm, Done, UpdateCrmHandler>()
            .AddSqsLambdaHandler(o =>
            {
                o.ReplyQueueUrl = replies;
                o.DeadLetterQueueUrl = deadLetters;
            }));
        await using var lambda = function.BuildServiceProvider();

        // The saga application: GenerateInvoice, SendConfirmation and UpdateCrm routed to the SQS channel by configuration.
        await using var checkout = await CheckoutFixture.StartAsync(s =>
        {
            s.AddSingleton<IAmazonSQS>(sqs);
            s.AddSqsStepChannel("crm", o =>
            {
                o.RequestQueueUrl = requests;
                o.ReplyQueueUrl = replies;
                o.ReceiveWaitTime = TimeSpan.FromSeconds(1);
            }, pollingClock: TimeProvider.System); // the saga's clock is fake here; polling must still move
            s.Configure<StepRoutingOptions>(o =>
            {
                foreach (var command in CheckoutStepRoutes.FunctionCommands)
                {
                    o.Routes[CheckoutStepRoutes.EventTypeOf(command)] = new StepRoute { Channel = "crm" };
                }
            });
        });
        var order = await checkout.SubmitAsync(Scenario.Happy);
        var handler = lambda.GetRequiredService<SqsLambdaHandler>();
        var state = await ChannelRun.CompleteAsync(checkout, order.OrderId, stop => SqsLambdaPump.RunAsync(sqs, requests, handler, stop));

        Assert.All(state.Steps, s => Assert.Equal(StepStatus.Completed, s.Status));
        Assert.Equal(["confirmation-sent", "crm-updated", "invoice-generated"], lambda.GetRequiredService<EffectLog>().For(order.OrderId).Order());
        Assert.Empty(checkout.Effects.For(order.OrderId).Intersect(["confirmation-sent", "crm-updated", "invoice-generated"]));
    }
}
