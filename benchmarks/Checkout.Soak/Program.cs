using System.Text.Json;
using Checkout.Soak;

// The soak of the multi-process checkout: run through eng/soak.sh, which starts PostgreSQL and RabbitMQ, builds, runs this
// and cleans up. Exits 0 when every check passed, 1 when one failed, 2 on bad arguments.
SoakOptions options;
try
{
    options = SoakOptions.Parse(args);
}
catch (Exception ex) when (ex is ArgumentException or FormatException)
{
    Console.Error.WriteLine(ex.Message);
    Console.Error.WriteLine(SoakOptions.Usage);
    return 2;
}

var summary = await new SoakRun(options).RunAsync();
foreach (var check in summary.Checks)
{
    Console.WriteLine($"{(check.Passed ? "PASS" : "FAIL")}  {check.Name}: {check.Detail}");
}

var json = JsonSerializer.Serialize(summary, SoakSummary.Json);
Console.WriteLine(json);
if (options.JsonPath is not null)
{
    await File.WriteAllTextAsync(options.JsonPath, json);
}

Console.WriteLine($"{summary.Passed} passed, {summary.Failed} failed");
return summary.Failed == 0 ? 0 : 1;
