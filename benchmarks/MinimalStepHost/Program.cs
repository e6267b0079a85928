using Checkout.Contracts;
using MinimalStepHost;
using Sagas.Functions;

// POST /steps: the checkout's GenerateInvoice command answered with an invoice number and nothing else, so a cold start
// of this process is the framework's (runtime, ASP.NET Core, Sagas.Functions, the first request) and not the sample's.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Services.AddStepFunctions(functions => functions
    .AddContracts(contracts => contracts.AddCheckoutContracts())
    .AddHandler<GenerateInvoice, InvoiceGenerated, NumberInvoices>()
    .Configure(options => options.Source = new Uri("/benchmarks/minimal-step-host", UriKind.Relative)));
var app = builder.Build();
app.MapStepFunctions("/steps");
app.Run();
