using System.Diagnostics;
using System.Text;

namespace Checkout.Tests.Functions;

/// <summary>The Node.js CRM step (crm-function.cjs) running in a child process on a loopback port.</summary>
public sealed class NodeFunction : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output;

    private NodeFunction(Process process, StringBuilder output, Uri endpoint)
    {
        _process = process;
        _output = output;
        Endpoint = endpoint;
    }

    public Uri Endpoint { get; }

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

    public static async Task<NodeFunction> StartAsync()
    {
        var modules = Environment.GetEnvironmentVariable("SAGAS_TEST_NODE_MODULES")
            ?? throw new InvalidOperationException("SAGAS_TEST_NODE_MODULES is not set: run the tests through eng/test.sh, which installs the npm package 'cloudevents' and points this at its node_modules folder.");
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Functions", "crm-function.cjs"));
        start.Environment["NODE_PATH"] = modules;
        var process = Process.Start(start)!;
        var output = new StringBuilder();
        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(e.Data);
            }

            if (e.Data.StartsWith("listening ", StringComparison.Ordinal))
            {
                listening.TrySetResult(int.Parse(e.Data["listening ".Length..], System.Globalization.CultureInfo.InvariantCulture));
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var port = await listening.Task.WaitAsync(TimeSpan.FromSeconds(20));
        return new NodeFunction(process, output, new Uri($"http://127.0.0.1:{port}/"));
    }

    public async ValueTask DisposeAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
