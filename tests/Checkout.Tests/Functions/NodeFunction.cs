using Sagas.Testing;

namespace Checkout.Tests.Functions;

/// <summary>The Node.js CRM step (crm-function.cjs) running in a child process on a loopback port.</summary>
public sealed class NodeFunction : IAsyncDisposable
{
    private readonly ChildProcess _process;

    private NodeFunction(ChildProcess process, Uri endpoint)
    {
        _process = process;
        Endpoint = endpoint;
    }

    public Uri Endpoint { get; }

    public string Output => _process.Output;

    /// <summary>Waits until the function has logged a line containing <paramref name="text"/> (its output arrives asynchronously).</summary>
    public Task<string> WaitForOutputAsync(string text)
        => _process.WaitForLineAsync(line => line.Contains(text, StringComparison.Ordinal) ? line : null, TimeSpan.FromSeconds(10));

    public static async Task<NodeFunction> StartAsync()
    {
        var modules = Environment.GetEnvironmentVariable("SAGAS_TEST_NODE_MODULES")
            ?? throw new InvalidOperationException("SAGAS_TEST_NODE_MODULES is not set: run the tests through eng/test.sh, which installs the npm package 'cloudevents' and points this at its node_modules folder.");
        var process = ChildProcess.Start("node", [Path.Combine(AppContext.BaseDirectory, "Functions", "crm-function.cjs")], new Dictionary<string, string> { ["NODE_PATH"] = modules });
        try
        {
            var port = await process.WaitForLineAsync(line => line.StartsWith("listening ", StringComparison.Ordinal) ? line["listening ".Length..] : null, TimeSpan.FromSeconds(20));
            return new NodeFunction(process, new Uri($"http://127.0.0.1:{port}/"));
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
