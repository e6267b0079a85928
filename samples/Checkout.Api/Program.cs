using Checkout.Api.Inspector;
using Checkout.Api.Orders;
using Checkout.Contracts;
using Checkout.Saga;
using Checkout.ServiceDefaults;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Sagas;

// The checkout's HTTP API, one of the services of the multi-process checkout (eng/checkout-topology.sh):
//   POST /orders        validates the order (problem+json naming each error) and answers 202 with its Location
//   GET  /orders/{id}   the saga's state and step history
//   GET  /sagas/        the saga inspector (sign in at /login with Inspector:ReaderKey or Inspector:OperatorKey)
//   GET  /health/live, /health/ready (PostgreSQL, RabbitMQ, outbox lag)
//   503 + Retry-After (problem+json) while PostgreSQL is unavailable: the request can be sent again as it is
// Settings: ConnectionStrings:Postgres, ConnectionStrings:RabbitMq (amqp://...), Health:OutboxLagThreshold (default
// 00:00:30), OTEL_EXPORTER_OTLP_ENDPOINT (optional). It listens where ASPNETCORE_URLS / ASPNETCORE_HTTP_PORTS say.
var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("checkout-api");

// The API runs no saga and no step: it publishes OrderSubmitted through the outbox and reads the sagas the worker runs.
builder.Services.AddSagas(sagas => sagas
    .AddContracts(contracts => contracts.AddCheckoutContracts())
    .AddSagaState<CheckoutState>()
    .Configure(o => o.Source = new Uri("/checkout/api", UriKind.Relative))
    .UsePostgresAndRabbitMq(builder));

// The saga inspector over the sagas the worker runs, behind the sample's key sign-in.
builder.Services.TryAddSingleton<CheckoutSettings>(); // the saga's plan, drawn by the inspector
builder.Services.AddInspectorLogin();
builder.Services.AddSagaInspector(o =>
{
    o.ReadPolicy = InspectorLogin.ReadPolicy;
    o.ActionPolicy = InspectorLogin.ActionPolicy;
    o.AddSaga<CheckoutSaga, CheckoutState>();
});

var app = builder.Build();
app.UseAuthentication();
app.UseAuthorization();
app.MapOrders();
app.MapInspectorLogin();
app.MapSagaInspector("/sagas");
app.MapHealthEndpoints();
app.Run();
