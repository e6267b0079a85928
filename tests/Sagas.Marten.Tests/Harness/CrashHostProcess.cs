using System.Diagnostics;
using System.Text;

namespace Sagas.Marten.Tests.Harness;

/// <summary>Runs the checkout in a child process (tests/Sagas.Marten.CrashHost), which may kill itself at a named point.</summary>
public static class CrashHostProcess
{
    private static string HostDll => AppContext.BaseDirectory.Replace("Sagas.Marten.Tests", "Sagas.Marten.CrashHost", StringComparison.Ordinal) + "Sagas.Marten.CrashHost.dll";

    public static async Task<(int ExitCode, string Output, string Errors)> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(HostDll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        var errors = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (errors) { errors.AppendLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"the checkout process did not finish; stderr: {errors}");
        }

        process.WaitForExit();
        return (process.ExitCode, output.ToString(), errors.ToString());
    }
}
