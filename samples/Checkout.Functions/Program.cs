using Checkout.Contracts;
using Checkout.Functions.Steps;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Sagas.Steps;

// The checkout's retriable steps as an Azure Functions app: each step has a queue-triggered function (the saga's
// Storage Queue route) and all share one HTTP endpoint (the HTTP route). Settings: AzureWebJobsStorage (the storage
// account of the queues), Checkout:ReplyQueue (where replies go; default checkout-step-replies).
var builder = FunctionsApplication.CreateBuilder(args);

builder.Services.AddStepFunctions(functions => functions
    .AddContracts(contracts => contracts.AddCheckoutContracts())
    .AddHandler<GenerateInvoice, InvoiceGenerated, GenerateInvoiceHandler>()
    .AddHandler<SendConfirmation, Done, SendConfirmationHandler>()
    .AddHandler<UpdateCrm, Done, UpdateCrmHandler>()
    .Configure(options =>
    {
        options.Source = new Uri("/checkout/functions", UriKind.Relative);
        options.EndpointName = "checkout-functions";
    })
    .AddAzureHttpTrigger()
    .AddAzureQueueTrigger(options =>
    {
        options.ConnectionString = builder.Configuration["AzureWebJobsStorage"];
        options.ReplyQueueName = builder.Configuration["Checkout:ReplyQueue"] ?? "checkout-step-replies";
        options.MaxDequeueCount = 5; // host.json: extensions.queues.maxDequeueCount
    }));

builder.Build().Run();
