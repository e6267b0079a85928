using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// The checkout's retriable steps as an Azure Functions app: each step has a queue-triggered function (the saga's
// Storage Queue route) and all share one HTTP endpoint (the HTTP route). Settings: AzureWebJobsStorage (the storage
// account of the queues), Checkout:ReplyQueue (where replies go; default checkout-step-replies), and the steps' own
// (samples/Checkout.Steps): Checkout:CrmUrl (required), Checkout:OutputDirectory, Checkout:PickupDirectory, Checkout:Smtp:*.
var builder = FunctionsApplication.CreateBuilder(args);

builder.Services.AddStepFunctions(functions => functions
    .AddCheckoutSteps(builder.Configuration)
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
