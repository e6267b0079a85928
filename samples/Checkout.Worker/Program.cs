using Checkout;
using Checkout.ServiceDefaults;
using Checkout.Steps;
using Sagas;

// The checkout worker, one of the services of the multi-process checkout (eng/checkout-topology.sh): the saga
// (queue checkout-state) and the ReserveInventory, ReleaseInventory, ChargePayment, RefundPayment and ConfirmOrder steps
// (a queue each, named after the command: reserve-inventory, ...). GenerateInvoice, SendConfirmation and UpdateCrm run
// on the function host (Checkout.FunctionHost) at Checkout:FunctionsUrl. State, inbox and outbox in PostgreSQL.
//   GET /health/live, /health/ready (PostgreSQL, RabbitMQ, outbox lag)
// Settings: ConnectionStrings:Postgres, ConnectionStrings:RabbitMq (amqp://...), Checkout:FunctionsUrl,
// Health:OutboxLagThreshold (default 00:00:30), OTEL_EXPORTER_OTLP_ENDPOINT (optional).
var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("checkout-worker");
var postgres = builder.Configuration.GetConnectionString("Postgres")
    ?? throw new InvalidOperationException("Set ConnectionStrings:Postgres (environment: ConnectionStrings__Postgres), e.g. \"Host=localhost;Database=checkout;Username=checkout;Password=...\".");
var rabbitMq = builder.Configuration.GetConnectionString("RabbitMq")
    ?? throw new InvalidOperationException("Set ConnectionStrings:RabbitMq (environment: ConnectionStrings__RabbitMq), e.g. \"amqp://user:password@localhost:5672/\".");
var functions = builder.Configuration.GetValue<Uri?>("Checkout:FunctionsUrl")
    ?? throw new InvalidOperationException("Set Checkout:FunctionsUrl (environment: Checkout__FunctionsUrl) to the function host's base address, e.g. \"http://localhost:5082\".");

builder.Services.AddSagas(sagas => sagas
    .AddCheckout()
    .RouteCheckoutStepsTo(new Uri(functions, LoopbackStepFunctions.StepsPath))
    .Configure(o => o.Source = new Uri("/checkout/worker", UriKind.Relative))
    .UseMarten(o => o.ConnectionString = postgres)
    .UseRabbitMq(o => o.ConnectionString = rabbitMq));
builder.Services.AddHealthChecks()
    .AddNpgSql(postgres, name: "postgresql", tags: [ServiceDefaults.ReadyTag])
    .AddSagasOutbox(builder.Configuration.GetValue<TimeSpan?>("Health:OutboxLagThreshold"), [ServiceDefaults.ReadyTag]);

var app = builder.Build();
app.MapHealthEndpoints();
app.Run();
