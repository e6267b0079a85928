using Checkout.FunctionHost;
using Checkout.ServiceDefaults;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Sagas.Functions;

// The checkout's retriable steps (GenerateInvoice, SendConfirmation, UpdateCrm) as HTTP CloudEvents functions:
//   POST /steps          step commands (binary, structured or batch mode); the saga application's gateway routes here
//   POST /sandbox/crm    the sandbox CRM, served (and used) only when Checkout:CrmUrl is not set
//   GET  /health/live    the process is up
//   GET  /health/ready   the options are valid, the output folders are writable and a font for the invoices was found
// Settings: ConnectionStrings:Postgres (optional: the durable inbox), Checkout:OutputDirectory, Checkout:PickupDirectory, Checkout:CrmUrl, Checkout:Smtp:Host, Checkout:Smtp:Port
// (and Checkout:Smtp:Security / UserName / Password, Checkout:MailFrom, Functions:SignatureSecret). It listens where
// ASPNETCORE_URLS or ASPNETCORE_HTTP_PORTS say (port 8080 in the container images).
var builder = WebApplication.CreateSlimBuilder(args);
builder.AddServiceDefaults("checkout-functions"); // traces (the function hop of each order's trace) and metrics; OTLP when configured
var sandboxCrm = string.IsNullOrWhiteSpace(builder.Configuration["Checkout:CrmUrl"]);
builder.Services.AddStepFunctions(functions => functions
    .AddCheckoutSteps(builder.Configuration, options =>
    {
        if (sandboxCrm)
        {
            options.CrmUrl = new Uri(FunctionHostEndpoints.SandboxCrm, UriKind.Relative); // this process, once it listens
        }
    })
    .Configure(options =>
    {
        options.Source = new Uri("/checkout/functions", UriKind.Relative);
        options.EndpointName = "checkout-functions";
    })
    .ConfigureHttp(options => options.SignatureSecret = builder.Configuration["Functions:SignatureSecret"]));
if (builder.Configuration.GetConnectionString("Postgres") is { Length: > 0 } postgres)
{
    // Durable inbox: a command runs once across restarts and replicas of this host (else an in-memory one per process).
    builder.Services.AddStepFunctions(functions => functions.UsePostgresInbox(o => o.ConnectionString = postgres));
}
builder.Services.AddHealthChecks()
    .AddCheck<StepOutputHealthCheck>("step-output", tags: [FunctionHostEndpoints.ReadyTag]);

var app = builder.Build();
app.MapStepFunctions(FunctionHostEndpoints.Steps);
if (sandboxCrm)
{
    app.MapSandboxCrm(FunctionHostEndpoints.SandboxCrm);
}

app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
app.MapHealthChecks("/health/ready", new HealthCheckOptions
{
    Predicate = c => c.Tags.Contains(FunctionHostEndpoints.ReadyTag),
    ResponseWriter = FunctionHostEndpoints.WriteHealthAsync, // says what is wrong, naming the setting
});
app.Lifetime.ApplicationStarted.Register(() => FunctionHostEndpoints.LogReady(app, sandboxCrm));
app.Run();
