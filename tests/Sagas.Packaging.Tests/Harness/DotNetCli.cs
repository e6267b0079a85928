using System.Diagnostics;
using System.Text;

namespace Sagas.Packaging.Tests.Harness;

/// <summary>What one <c>dotnet</c> command did.</summary>
/// <param name="CommandLine">The command, for messages.</param>
/// <param name="ExitCode">Its exit code; null when it was killed for running past its timeout.</param>
/// <param name="Output">Standard output and standard error, interleaved as they arrived.</param>
/// <param name="Elapsed">How long it ran.</param>
internal sealed record DotNetRun(string CommandLine, int? ExitCode, string Output, TimeSpan Elapsed)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>The command, how it ended and (the end of) what it printed, for a failure message.</summary>
    public string Describe()
    {
        const int Shown = 12_000;
        var ended = ExitCode is { } code ? $"exited with {code}" : "was killed for running too long";
        var output = Output.Length <= Shown ? Output : $"[... {Output.Length - Shown} characters cut ...]{Output[^Shown..]}";
        return $"`{CommandLine}` {ended} after {Elapsed.TotalSeconds:0.0} s; it printed:{Environment.NewLine}{output}";
    }
}

/// <summary>Runs the .NET CLI as a separate process, with a timeout, capturing everything it prints.</summary>
internal static class DotNetCli
{
    // Can be inherited from the `dotnet test` that hosts these tests (set for its own MSBuild); a child build
    // must resolve its SDK afresh, from its own folder and global.json.
    private static readonly string[] InheritedBuildVariables =
        ["MSBuildExtensionsPath", "MSBuildSDKsPath", "MSBUILD_EXE_PATH", "MSBuildLoadMicrosoftTargetsReadOnly"];

    /// <summary>The <c>dotnet</c> host that runs these tests, else the one on the PATH.</summary>
    private static string Host => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>
    /// Runs <c>dotnet <paramref name="arguments"/></c> in <paramref name="workingDirectory"/>. One that runs longer
    /// than <paramref name="timeout"/> is killed with its child processes and reported without an exit code.
    /// </summary>
    public static async Task<DotNetRun> RunAsync(string workingDirectory, TimeSpan timeout, params string[] arguments)
    {
        var start = new ProcessStartInfo(Host)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var name in InheritedBuildVariables)
        {
            start.Environment.Remove(name);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        start.Environment["DOTNET_CLI_UI_LANGUAGE"] = "en";
        // No MSBuild worker nodes left behind: they would outlive the test and hold its output pipes open.
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";

        var commandLine = $"dotnet {string.Join(' ', arguments)}";
        var output = new StringBuilder();
        void Append(string? line)
        {
            if (line is not null)
            {
                lock (output)
                {
                    output.AppendLine(line);
                }
            }
        }

        string Printed()
        {
            lock (output)
            {
                return output.ToString();
            }
        }

        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        var started = TimeProvider.System.GetTimestamp();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(TimeSpan.FromSeconds(30));
            return new DotNetRun(commandLine, null, Printed(), TimeProvider.System.GetElapsedTime(started));
        }

        return new DotNetRun(commandLine, process.ExitCode, Printed(), TimeProvider.System.GetElapsedTime(started));
    }
}
