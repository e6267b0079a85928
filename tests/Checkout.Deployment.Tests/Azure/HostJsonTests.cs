using System.Text.Json;
using System.Text.RegularExpressions;
using Checkout.Deployment.Tests.Harness;

namespace Checkout.Deployment.Tests.Azure;

/// <summary>samples/Checkout.Functions/host.json agrees with what the function app's code assumes.</summary>
public sealed partial class HostJsonTests
{
    private const string HostJson = "samples/Checkout.Functions/host.json";
    private const string Program = "samples/Checkout.Functions/Program.cs";

    [Fact]
    public void The_host_poisons_on_the_delivery_the_queue_trigger_expects()
    {
        var configured = Queues().GetProperty("maxDequeueCount").GetInt32();
        var program = File.ReadAllText(Repository.PathOf(Program));
        var set = MaxDequeueCountAssignment().Match(program);
        int expected;
        string where;
        if (set.Success)
        {
            expected = int.Parse(set.Groups["value"].Value, System.Globalization.CultureInfo.InvariantCulture);
            where = Program;
        }
        else
        {
            // Program.cs leaves the option at its default: read the default from the options class.
            var options = Directory.EnumerateFiles(Repository.PathOf("src", "Sagas.Functions.Azure"), "*.cs", SearchOption.AllDirectories)
                .Select(File.ReadAllText)
                .Select(text => MaxDequeueCountDefault().Match(text))
                .First(m => m.Success);
            expected = int.Parse(options.Groups["value"].Value, System.Globalization.CultureInfo.InvariantCulture);
            where = "the default of StepQueueTriggerOptions.MaxDequeueCount";
        }

        Assert.True(configured == expected,
            $"{HostJson}: extensions.queues.maxDequeueCount is {configured}, but {where} sets MaxDequeueCount = {expected}; the trigger writes the poison message with its reason on that delivery.");
    }

    [Fact]
    public void The_function_timeout_fits_every_hosting_plan()
    {
        var root = Root();
        Assert.True(root.GetProperty("version").GetString() == "2.0", $"{HostJson}: version is not \"2.0\" (Functions v4).");
        Assert.True(root.TryGetProperty("functionTimeout", out var timeout), $"{HostJson}: no functionTimeout; a hung step would hold a worker for the plan's default.");
        var value = TimeSpan.Parse(timeout.GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(value > TimeSpan.Zero && value <= TimeSpan.FromMinutes(10),
            $"{HostJson}: functionTimeout {value} is outside 0-10 minutes, the Consumption plan's limit.");
    }

    [Fact]
    public void Queue_messages_are_read_as_the_base64_sagas_writes()
    {
        var queues = Queues();
        Assert.True(queues.GetProperty("messageEncoding").GetString() == "base64",
            $"{HostJson}: extensions.queues.messageEncoding is not base64; Sagas' queue clients write QueueMessageEncoding.Base64.");
        var visibility = TimeSpan.Parse(queues.GetProperty("visibilityTimeout").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(visibility > TimeSpan.Zero, $"{HostJson}: extensions.queues.visibilityTimeout {visibility} retries a failed message at once.");
    }

    private static JsonElement Root() => JsonDocument.Parse(File.ReadAllText(Repository.PathOf(HostJson))).RootElement;

    private static JsonElement Queues() => Root().GetProperty("extensions").GetProperty("queues");

    [GeneratedRegex(@"\bMaxDequeueCount\s*=\s*(?<value>\d+)\s*;", RegexOptions.CultureInvariant)]
    private static partial Regex MaxDequeueCountAssignment();

    [GeneratedRegex(@"\bint\s+MaxDequeueCount\s*\{\s*get;\s*set;\s*\}\s*=\s*(?<value>\d+)\s*;", RegexOptions.CultureInvariant)]
    private static partial Regex MaxDequeueCountDefault();
}
