using System.Diagnostics;
using System.Text.Json;

namespace Sagas.Benchmarks;

/// <summary>
/// Sagas beside plain MassTransit in one run, each side in a process of its own, measured in turns.
/// </summary>
/// <remarks>
/// One process for both was unfair to whichever side warmed up second: the two share MassTransit's code, and the JIT's
/// profile-guided optimization of that code is trained by the side that runs it first. Measured in one process, Sagas /
/// plain was 0.598 with plain warmed up first and 0.827 with Sagas warmed up first (same build, same minute). A user's
/// process runs one of them, so each side here has a process trained on its own work only. The parent warms the two up
/// one after the other, then has them run their rounds in turns, so both see the same minutes of this machine.
/// </remarks>
internal static class SideBySide
{
    private const string WarmUp = "warm-up";
    private const string Ready = "ready";
    private const string Round = "round";

    /// <summary>The parent: both sides' measured rounds, plain first.</summary>
    /// <param name="args">This run's arguments; each child gets them with <c>--serve plain|sagas</c>.</param>
    /// <param name="rounds">Rounds per side.</param>
    public static Task<(List<Measurement> Plain, List<Measurement> Sagas)> RunAsync(string[] args, int rounds)
        => RunAsync(args, rounds, ("plain", null), ("sagas", null));

    /// <summary>
    /// Sagas of another build (its <c>Sagas.Benchmarks.dll</c>, say a copy of <c>bin/Release/net10.0</c> before a change)
    /// against Sagas of this one, measured in turns the same way: an A/B of a change, with both builds in the same minutes.
    /// </summary>
    public static Task<(List<Measurement> That, List<Measurement> This)> AgainstAsync(string[] args, int rounds, string thatBuild)
        => RunAsync(args, rounds, ("sagas", thatBuild), ("sagas", null));

    private static async Task<(List<Measurement> First, List<Measurement> Second)> RunAsync(
        string[] args, int rounds, (string Side, string? Build) first, (string Side, string? Build) second)
    {
        await using var one = Child.Start(first.Side, args, first.Build);
        await using var other = Child.Start(second.Side, args, second.Build);
        await one.AskAsync(WarmUp, Ready);
        await other.AskAsync(WarmUp, Ready);
        var (oneRounds, otherRounds) = (new List<Measurement>(), new List<Measurement>());
        for (var round = 0; round < rounds; round++)
        {
            oneRounds.Add(await one.MeasureAsync());
            otherRounds.Add(await other.MeasureAsync());
        }

        return (oneRounds, otherRounds);
    }

    /// <summary>A child: warms up and measures one side when the parent says, on standard input and output.</summary>
    public static async Task ServeAsync(Func<Task> warmUp, Func<Task<Measurement>> round)
    {
        while (await Console.In.ReadLineAsync() is { } command)
        {
            switch (command)
            {
                case WarmUp:
                    await warmUp();
                    Console.WriteLine(Ready);
                    break;
                case Round:
                    Console.WriteLine(JsonSerializer.Serialize(await round()));
                    break;
                default:
                    throw new InvalidOperationException($"Unknown command '{command}' from the side-by-side parent.");
            }
        }
    }

    private sealed class Child(string side, Process process) : IAsyncDisposable
    {
        /// <param name="side">plain or sagas.</param>
        /// <param name="args">This run's arguments.</param>
        /// <param name="build">Another build's <c>Sagas.Benchmarks.dll</c> (or its folder) to run; null for this one.</param>
        public static Child Start(string side, string[] args, string? build = null)
        {
            var assembly = build is null ? null : Directory.Exists(build) ? Path.Combine(build, "Sagas.Benchmarks.dll") : build;
            if (assembly is not null && !File.Exists(assembly))
            {
                throw new FileNotFoundException($"No benchmark build at {assembly}: give a Sagas.Benchmarks.dll or the folder that holds it.", assembly);
            }

            var start = new ProcessStartInfo(assembly is null ? Environment.ProcessPath! : "dotnet")
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
            };
            // Run as `dotnet Sagas.Benchmarks.dll`, the child needs the assembly too; run as the app host, it does not.
            if (assembly is not null)
            {
                start.ArgumentList.Add(assembly);
            }
            else if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
            {
                start.ArgumentList.Add(typeof(SideBySide).Assembly.Location);
            }

            foreach (var arg in args.Append("--serve").Append(side))
            {
                start.ArgumentList.Add(arg);
            }

            return new Child(side, Process.Start(start)!);
        }

        public async Task<Measurement> MeasureAsync()
            => JsonSerializer.Deserialize<Measurement>(await AskAsync(Round, expected: null))!;

        public async Task<string> AskAsync(string command, string? expected)
        {
            await process.StandardInput.WriteLineAsync(command);
            await process.StandardInput.FlushAsync();
            var answer = await process.StandardOutput.ReadLineAsync()
                ?? throw new InvalidOperationException($"The {side} side exited (code {(process.HasExited ? process.ExitCode : -1)}) instead of answering '{command}'.");
            return expected is null || answer == expected
                ? answer
                : throw new InvalidOperationException($"The {side} side answered '{answer}' to '{command}'.");
        }

        public async ValueTask DisposeAsync()
        {
            process.StandardInput.Close();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            process.Dispose();
        }
    }
}
