using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Sagas.Benchmarks;

/// <summary>
/// The durable shape on Sagas and on Wolverine + Marten (<c>benchmarks/Wolverine.Benchmarks</c>) against one PostgreSQL,
/// a fresh process per round, the two in turns so both see the same minutes of the machine:
/// <c>benchmarks/run-postgres.sh --wolverine [--rounds N] [--orders N]</c>.
/// </summary>
/// <remarks>
/// Each process warms up first (rounds of orders for <c>--warm-up-seconds</c>, default 20), then measures one run of
/// <c>--orders</c> and prints it as JSON; this prints each side's median and Sagas / Wolverine.
/// </remarks>
internal static class DurableSideBySide
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    /// <param name="args">This run's arguments; each Sagas round gets them as they are, each Wolverine round its shared ones.</param>
    /// <param name="wolverine">The built <c>Wolverine.Benchmarks.dll</c>.</param>
    public static async Task RunAsync(string[] args, string wolverine, int rounds, bool json)
    {
        if (!File.Exists(wolverine))
        {
            throw new FileNotFoundException($"No Wolverine benchmark build at {wolverine}: build benchmarks/Wolverine.Benchmarks in Release first.", wolverine);
        }

        var sagasArgs = Without(args, "--wolverine", "--rounds", "--parallel").Where(a => a != "--json").Append("--json").ToList();
        var wolverineArgs = Shared(args).ToList();
        var (sagas, other) = (new List<Round>(), new List<Round>());
        for (var round = 0; round < rounds; round++)
        {
            sagas.Add(await RunAsync("Sagas", [typeof(DurableSideBySide).Assembly.Location, .. sagasArgs]));
            other.Add(await RunAsync("Wolverine", [wolverine, .. wolverineArgs]));
        }

        var (s, w) = (Median(sagas), Median(other));
        var ratio = Math.Round(s.SagasPerSecond / w.SagasPerSecond, 2);
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new { rounds, sagas = s, wolverine = w, ratio }, Web));
            return;
        }

        Console.WriteLine($"durable shape on PostgreSQL, {s.Orders} orders, {s.InFlight} in flight, a fresh process per round, median of {rounds} round(s) each");
        Console.WriteLine($"  Wolverine + Marten : {w}");
        Console.WriteLine($"  Sagas              : {s}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  Sagas / Wolverine throughput: {ratio}"));
        Console.WriteLine($"  rounds, Wolverine: {string.Join(", ", other.Select(r => r.SagasPerSecond.ToString("0", CultureInfo.InvariantCulture)))}; Sagas: {string.Join(", ", sagas.Select(r => r.SagasPerSecond.ToString("0", CultureInfo.InvariantCulture)))}");
    }

    private static async Task<Round> RunAsync(string side, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        var last = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault(l => l.StartsWith('{'));
        return process.ExitCode == 0 && last is not null
            ? JsonSerializer.Deserialize<Round>(last, Web)!
            : throw new InvalidOperationException($"The {side} round exited with code {process.ExitCode} without its result:\n{output}");
    }

    // What Wolverine's side takes: the connection, the orders, the window and the warm-up as both do, and its parallelism.
    private static IEnumerable<string> Shared(string[] args)
    {
        foreach (var name in new[] { "--postgres", "--orders", "--in-flight", "--warm-up-seconds", "--parallel" })
        {
            if (Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length)
            {
                yield return name;
                yield return args[i + 1];
            }
        }
    }

    private static IEnumerable<string> Without(string[] args, params string[] options)
    {
        for (var i = 0; i < args.Length; i++)
        {
            if (options.Contains(args[i]))
            {
                i++; // and its value
                continue;
            }

            yield return args[i];
        }
    }

    private static Round Median(List<Round> rounds) => rounds.OrderBy(r => r.SagasPerSecond).ElementAt(rounds.Count / 2);

    /// <summary>One process's measured run, as both benchmarks print it.</summary>
    private sealed record Round(int Orders, int InFlight, double SagasPerSecond, double P50Ms, double P99Ms, double TransactionsPerSaga, double CpuMicrosecondsPerSaga)
    {
        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"{SagasPerSecond,7:0.0} sagas/s  p50 {P50Ms,7:0.0} ms  p99 {P99Ms,7:0.0} ms  {TransactionsPerSaga,5:0.00} transactions/saga  {CpuMicrosecondsPerSaga,5:0} µs CPU/saga");
    }
}
