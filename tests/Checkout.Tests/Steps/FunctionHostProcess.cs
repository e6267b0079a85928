using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Checkout.Tests.Steps;

/// <summary>The built samples/Checkout.FunctionHost app, started as a child process on 127.0.0.1 and a free port.</summary>
public sealed partial class FunctionHostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output;

    private FunctionHostProcess(Process process, StringBuilder output, Uri address)
    {
        _process = process;
        _output = output;
        Address = address;
    }

    /// <summary>The host's base address, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri Address { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>The app's entry assembly, built next to this test in the same configuration.</summary>
    public static string AssemblyPath
    {
        get
        {
            var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name; // bin/{Configuration}/net10.0
            var path = Repository.PathOf("samples", "Checkout.FunctionHost", "bin", configuration, "net10.0", "Checkout.FunctionHost.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException($"Build samples/Checkout.FunctionHost ({configuration}) first.", path);
        }
    }

    public static async Task<FunctionHostProcess> StartAsync(IReadOnlyDictionary<string, string> settings)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Path.GetDirectoryName(AssemblyPath)! };
        start.ArgumentList.Add(AssemblyPath);
        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        start.Environment["Logging__Console__FormatterName"] = "simple";
        start.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        foreach (var (key, value) in settings)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start)!;
        var output = new StringBuilder();
        var ready = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Read(object? sender, DataReceivedEventArgs e)
        {
            if (e.Data is null)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(e.Data);
            }

            if (ReadyLine().Match(e.Data) is { Success: true } match)
            {
                ready.TrySetResult(new Uri(match.Groups[1].Value + "/"));
            }
        }

        process.OutputDataReceived += Read;
        process.ErrorDataReceived += Read;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var address = await ready.Task.WaitAsync(TimeSpan.FromSeconds(60));
            return new FunctionHostProcess(process, output, address);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The function host did not log that it is ready:{Environment.NewLine}{output}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    [GeneratedRegex(@"Checkout function host ready on (http://[^\s,]+?): steps at")]
    private static partial Regex ReadyLine();
}
