using System.Text.Json;

namespace Checkout.Soak;

/// <summary>What a soak did and found, as printed and written to <c>--json</c>.</summary>
internal sealed record SoakSummary(
    int Orders,
    int Replicas,
    int InFlight,
    int PostedTwice,
    double WallSeconds,
    double OrdersPerSecond,
    double P50Ms,
    double P99Ms,
    IReadOnlyList<FaultRecord> Faults,
    IReadOnlyDictionary<string, int> Expected,
    IReadOnlyDictionary<string, int> Actual,
    int StartEventsSentAgain,
    int Invoices,
    int Emails,
    long Answers503,
    long Answers5xx,
    long RequestsWithoutAnswer,
    IReadOnlyDictionary<string, long> ErrorQueues,
    int Passed,
    int Failed,
    IReadOnlyList<Check> Checks)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static SoakSummary From(SoakOptions options, IReadOnlyList<OrderRun> runs, FaultInjector injector, OrderClient client, Verdict verdict, TimeSpan wall)
    {
        var latencies = runs.Where(r => r.LatencyMs is not null).Select(r => r.LatencyMs!.Value).Order().ToList();
        return new SoakSummary(
            options.Orders,
            options.Replicas,
            options.InFlight,
            runs.Count(r => r.PostTwice),
            Math.Round(wall.TotalSeconds, 1),
            Math.Round(options.Orders / wall.TotalSeconds, 1),
            Percentile(latencies, 0.50),
            Percentile(latencies, 0.99),
            injector.Done,
            runs.GroupBy(r => r.Expected).OrderBy(g => g.Key).ToDictionary(g => g.Key, g => g.Count()),
            runs.Where(r => r.IsTerminal).GroupBy(r => r.State!).OrderBy(g => g.Key).ToDictionary(g => g.Key, g => g.Count()),
            SentAgain(Path.Combine(options.State, "logs")),
            verdict.Invoices,
            verdict.Emails,
            client.Unavailable,
            client.ServerErrors,
            client.ConnectionErrors,
            verdict.ErrorQueues,
            verdict.Checks.Count(c => c.Passed),
            verdict.Checks.Count(c => !c.Passed),
            verdict.Checks);
    }

    /// <summary>
    /// How many times a relay sent an event again because no consumer had recorded it: the lines of <c>OutboxRelay</c>'s
    /// warning in the services' logs (the metric, <c>sagas.outbox.unconfirmed</c>, stays inside each process).
    /// </summary>
    private static int SentAgain(string logs)
    {
        var count = 0;
        foreach (var file in Directory.EnumerateFiles(logs, "*.log"))
        {
            using var reader = new StreamReader(new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
            while (reader.ReadLine() is { } line)
            {
                count += line.Contains("is not recorded by any consumer yet; sending it again", StringComparison.Ordinal) ? 1 : 0;
            }
        }

        return count;
    }

    private static double Percentile(List<double> sorted, double p)
        => sorted.Count == 0 ? 0 : Math.Round(sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)]);
}
