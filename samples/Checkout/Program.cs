using System.Globalization;
using System.Text.Json;
using Checkout;
using Checkout.Saga;
using Checkout.Simulation;
using Checkout.Steps;
using Checkout.Steps.Effects;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sagas;
using Sagas.Marten;
using Sagas.Persistence;
using Sagas.Steps;
using Spectre.Console;

// dotnet run --project samples/Checkout -- [--orders N] [--in-flight N] [--json] [--store memory|postgres --connection CS] [--diagram PATH]
var options = CommandLine.Parse(args);
if (options.Error is not null)
{
    Console.Error.WriteLine(options.Error);
    Console.Error.WriteLine(CommandLine.Usage);
    return 2;
}

if (options.DiagramPath is not null)
{
    var diagram = StepSagaDiagram.ToMermaidDocument(new CheckoutSaga(new CheckoutSettings()), "Checkout saga");
    await File.WriteAllTextAsync(options.DiagramPath, diagram);
    Console.WriteLine($"Wrote {options.DiagramPath}");
    return 0;
}

var builder = Host.CreateApplicationBuilder();
builder.Logging.ClearProviders();
builder.Logging.AddConsole().SetMinimumLevel(LogLevel.Error);
builder.Services.AddSingleton<OrderTracker>();
builder.Services.AddSingleton<ISagaCommitObserver<CheckoutState>>(sp => sp.GetRequiredService<OrderTracker>());

// GenerateInvoice, SendConfirmation and UpdateCrm run as real HTTP functions (PDF, email, CRM call) on Kestrel at
// 127.0.0.1 in this process, routed by the gateway like any remote function. Their files go to Checkout:OutputDirectory
// and Checkout:PickupDirectory when set (e.g. Checkout__OutputDirectory), else to a folder of this run under the temp
// folder; the CRM is the sandbox CRM unless Checkout:CrmUrl names a real one; Checkout:Smtp:Host sends real mail.
var effects = new EffectLog();
builder.Services.AddSingleton(effects);
var runFolder = Path.Combine(Path.GetTempPath(), "sagas-checkout", $"run-{TimeProvider.System.GetLocalNow():yyyyMMdd-HHmmss}");
await using var functions = options.ExportSchemaPath is null
    ? await LoopbackStepFunctions.StartAsync(effects, builder.Configuration, o =>
    {
        o.OutputDirectory = builder.Configuration["Checkout:OutputDirectory"] ?? Path.Combine(runFolder, "invoices");
        o.PickupDirectory = builder.Configuration["Checkout:PickupDirectory"] ?? Path.Combine(runFolder, "mail");
        if (builder.Configuration["Checkout:CrmRetries"] is null)
        {
            o.CrmRetries = 0; // the demo shows the saga retrying the step when the CRM fails; deployed hosts also retry in the call
        }
    })
    : null;
builder.Services.AddSagas(sagas =>
{
    sagas.AddCheckout();
    if (functions is not null)
    {
        sagas.RouteCheckoutStepsTo(functions.Endpoint);
    }

    if (options.Store == "postgres")
    {
        sagas.UseMarten(o => o.ConnectionString = options.Connection!);
    }
});

using var host = builder.Build();
if (options.ExportSchemaPath is not null)
{
    await File.WriteAllTextAsync(options.ExportSchemaPath, MartenSagaSchema.ExportScript(host.Services));
    Console.WriteLine($"Wrote {options.ExportSchemaPath}");
    return 0;
}

ArgumentNullException.ThrowIfNull(functions);

await host.StartAsync();
var orders = OrderScenarios.CreateMix(options.Orders);
var bus = host.Services.GetRequiredService<IBus>();
var tracker = host.Services.GetRequiredService<OrderTracker>();
var timeout = TimeSpan.FromMinutes(2);

(RunSummary Summary, IReadOnlyList<Mismatch> Mismatches) run;
if (!options.Json && AnsiConsole.Profile.Capabilities.Interactive)
{
    run = default;
    await AnsiConsole.Progress()
        .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
        .StartAsync(async ctx =>
        {
            var task = ctx.AddTask($"{options.Orders} orders", maxValue: options.Orders);
            run = await CheckoutRun.ExecuteAsync(bus, tracker, orders, options.InFlight, timeout, new Progress<int>(n => task.Value = n));
            task.Value = options.Orders;
        });
}
else
{
    run = await CheckoutRun.ExecuteAsync(bus, tracker, orders, options.InFlight, timeout);
}

await host.StopAsync();
var (summary, mismatches) = run;
ArgumentNullException.ThrowIfNull(summary);
ArgumentNullException.ThrowIfNull(mismatches);
var effectProblems = EffectAudit.Check(effects, orders, tracker.Results);
if (options.Json)
{
    Console.WriteLine(JsonSerializer.Serialize(summary, new JsonSerializerOptions(JsonSerializerDefaults.Web)));
}
else
{
    var table = new Table().Title("Checkout run").AddColumn("Terminal state").AddColumn(new TableColumn("Sagas").RightAligned());
    table.AddRow("Completed", summary.Completed.ToString(CultureInfo.InvariantCulture));
    table.AddRow("Rejected", summary.Rejected.ToString(CultureInfo.InvariantCulture));
    table.AddRow("Compensated", summary.Compensated.ToString(CultureInfo.InvariantCulture));
    table.AddRow("Faulted", summary.Faulted.ToString(CultureInfo.InvariantCulture));
    table.AddRow("[bold]Total[/]", summary.Orders.ToString(CultureInfo.InvariantCulture));
    AnsiConsole.Write(table);
    var speed = new Table().AddColumn("Metric").AddColumn(new TableColumn("Value").RightAligned());
    speed.AddRow("sagas/s", summary.SagasPerSecond.ToString("0.0", CultureInfo.InvariantCulture));
    speed.AddRow("p50 saga latency", $"{summary.P50Ms:0.00} ms");
    speed.AddRow("p95 saga latency", $"{summary.P95Ms:0.00} ms");
    speed.AddRow("p99 saga latency", $"{summary.P99Ms:0.00} ms");
    AnsiConsole.Write(speed);
    int Count(string effect) => orders.Sum(o => effects.For(o.OrderId).Count(e => e == effect));
    var mail = functions.Options.Smtp.Host is { } smtp ? $"sent to {smtp}:{functions.Options.Smtp.Port}" : $"in {functions.Options.PickupDirectory}";
    var crm = functions.Options.CrmUrl is { IsAbsoluteUri: true } real ? real.ToString() : $"the sandbox CRM at {functions.CrmEndpoint}";
    Console.WriteLine($"Steps as HTTP functions at {functions.Endpoint}:");
    Console.WriteLine($"  invoices      {Count(StepEffectNames.InvoiceGenerated),5} PDF(s) in {functions.Options.OutputDirectory}");
    Console.WriteLine($"  confirmations {Count(StepEffectNames.ConfirmationSent),5} message(s) {mail}");
    Console.WriteLine($"  CRM updates   {Count(StepEffectNames.CrmUpdated),5} recorded by {crm}");
}

if (mismatches.Count > 0)
{
    Console.Error.WriteLine($"{mismatches.Count} saga(s) did not reach the terminal state their order data implies:");
    foreach (var m in mismatches.Take(50))
    {
        Console.Error.WriteLine($"  saga {m.OrderId} ({m.Scenario}): expected {m.Expected}, got {m.Actual}{(m.Reason is null ? "" : $" ({m.Reason})")}");
    }
}

if (effectProblems.Count > 0)
{
    Console.Error.WriteLine($"{effectProblems.Count} effect(s) did not happen exactly once:");
    foreach (var problem in effectProblems.Take(50))
    {
        Console.Error.WriteLine($"  {problem}");
    }
}

if (mismatches.Count > 0 || effectProblems.Count > 0)
{
    return 1;
}

return 0;

/// <summary>The sample's command line.</summary>
internal sealed record CommandLine(int Orders, int InFlight, bool Json, string? DiagramPath, string Store, string? Connection, string? ExportSchemaPath, string? Error)
{
    public const string Usage = "usage: Checkout [--orders N] [--in-flight N] [--json] [--store memory|postgres --connection CONNECTION_STRING [--export-schema PATH]] [--diagram PATH]";

    public static CommandLine Parse(string[] args)
    {
        var result = Read(args);
        if (result.Error is null && result.Store == "postgres" && string.IsNullOrWhiteSpace(result.Connection))
        {
            return result with { Error = "--store postgres needs --connection \"Host=...;Database=...\"" };
        }

        if (result.Error is null && result.ExportSchemaPath is not null && result.Store != "postgres")
        {
            return result with { Error = "--export-schema needs --store postgres" };
        }

        return result;
    }

    private static CommandLine Read(string[] args)
    {
        var result = new CommandLine(100, 64, false, null, "memory", null, null, null);
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--orders" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0:
                    result = result with { Orders = n };
                    i++;
                    break;
                case "--orders":
                    return result with { Error = "--orders needs a positive whole number" };
                case "--in-flight" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var w) && w > 0:
                    result = result with { InFlight = w };
                    i++;
                    break;
                case "--in-flight":
                    return result with { Error = "--in-flight needs a positive whole number" };
                case "--json":
                    result = result with { Json = true };
                    break;
                case "--store" when i + 1 < args.Length && args[i + 1] is "memory" or "postgres":
                    result = result with { Store = args[++i] };
                    break;
                case "--store":
                    return result with { Error = "--store takes memory or postgres" };
                case "--connection" when i + 1 < args.Length:
                    result = result with { Connection = args[++i] };
                    break;
                case "--export-schema" when i + 1 < args.Length:
                    result = result with { ExportSchemaPath = args[++i] };
                    break;
                case "--diagram" when i + 1 < args.Length:
                    result = result with { DiagramPath = args[++i] };
                    break;
                default:
                    return result with { Error = $"unknown argument '{args[i]}'" };
            }
        }

        return result;
    }
}
