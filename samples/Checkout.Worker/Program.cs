using Checkout;
using Checkout.Saga;
using Checkout.ServiceDefaults;
using Checkout.Steps;
using Checkout.Contracts;
using Sagas;
using Sagas.Placement;
using Sagas.Steps;

// The checkout worker, one of the services of the multi-process checkout (eng/checkout-topology.sh): the saga
// (queue checkout-state) and the ReserveInventory, ReleaseInventory, ChargePayment, RefundPayment and ConfirmOrder steps
// (a queue each, named after the command: reserve-inventory, ...). SendConfirmation and UpdateCrm run on the function
// host (Checkout.FunctionHost) at Checkout:FunctionsUrl. GenerateInvoice does too, unless Checkout:OutputDirectory is
// set (the folder the function host writes invoices to): then the worker writes the invoices while it keeps up and they
// overflow to the function host while Checkout:InvoicesInFlight (default 4) are being written here, invoice commands
// waited longer than Checkout:InvoicesQueueWait (default 00:00:02) in the queue, or Checkout:InvoicesQueueDepth (default
// 32) wait in the generate-invoice queue, as RabbitMQ counts them.
// State, inbox and outbox in PostgreSQL.
//   GET /health/live, /health/ready (PostgreSQL, RabbitMQ, outbox lag)
// Settings: ConnectionStrings:Postgres, ConnectionStrings:RabbitMq (amqp://...), Checkout:FunctionsUrl,
// Checkout:OutputDirectory, Checkout:InvoicesInFlight, Checkout:InvoicesQueueWait and Checkout:InvoicesQueueDepth (optional), Health:OutboxLagThreshold (default 00:00:30),
// OTEL_EXPORTER_OTLP_ENDPOINT (optional).
var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("checkout-worker");
var functions = builder.Configuration.GetValue<Uri?>("Checkout:FunctionsUrl")
    ?? throw new InvalidOperationException("Set Checkout:FunctionsUrl (environment: Checkout__FunctionsUrl) to the function host's base address, e.g. \"http://localhost:5082\".");

// Deployed, steps get more patience than in the demo. A function host that cannot be reached, times out, answers 5xx or
// whose circuit the gateway opened does not spend an attempt: the saga waits the outage out for up to the step's
// OutageBudget (10 min by default), trying again at most every 20 s and not before an open circuit half-opens. The six
// attempts are for the handlers' own transient failures (the CRM still answering 503 after its client's own tries within
// the call, Checkout:CrmRetries on the function host) and missed deadlines: with the delays below they span about 16 s,
// 20 s or so with those tries, before an order is parked as Faulted. The deadline of an attempt is above what the
// gateway may spend on it (the route below: 10 s a call, four calls with backoff, about 41 s) and above the 30 s or so
// consumers can take to come back after a broker restart (docs/rabbitmq.md): an attempt still running is not asked again.
builder.Services.AddSingleton(new CheckoutSettings
{
    Deadline = TimeSpan.FromSeconds(60),
    Retry = new StepRetryOptions { MaxAttempts = 6, InitialDelay = TimeSpan.FromMilliseconds(500), MaxDelay = TimeSpan.FromSeconds(20) },
});
var invoicesHere = !string.IsNullOrWhiteSpace(builder.Configuration["Checkout:OutputDirectory"]);
if (invoicesHere)
{
    builder.Services.AddCheckoutInvoices(builder.Configuration); // the PDF handler, before AddCheckout's simulated one
}

builder.Services.AddSagas(sagas => sagas
    .AddCheckout()
    .RouteCheckoutStepsTo(new Uri(functions, LoopbackStepFunctions.StepsPath), route =>
    {
        route.AttemptTimeout = TimeSpan.FromSeconds(10); // an invoice PDF on a busy host takes a while
        route.BreakDuration = TimeSpan.FromSeconds(5);
    })
    .RouteSteps(routing =>
    {
        if (invoicesHere)
        {
            routing.Routes[CheckoutStepRoutes.EventTypeOf(typeof(GenerateInvoice))].Overflow = new StepOverflow
            {
                MaxInFlight = builder.Configuration.GetValue("Checkout:InvoicesInFlight", 4),
                QueueWaitTarget = builder.Configuration.GetValue("Checkout:InvoicesQueueWait", TimeSpan.FromSeconds(2)),
                MaxQueueDepth = builder.Configuration.GetValue("Checkout:InvoicesQueueDepth", 32),
            };
        }
    })
    .Configure(o => o.Source = new Uri("/checkout/worker", UriKind.Relative))
    .UsePostgresAndRabbitMq(builder));

var app = builder.Build();
app.MapHealthEndpoints();
app.Run();
