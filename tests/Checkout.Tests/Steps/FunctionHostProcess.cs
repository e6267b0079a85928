using System.Text.RegularExpressions;
using Sagas.Testing;

namespace Checkout.Tests.Steps;

/// <summary>The built samples/Checkout.FunctionHost app, started as a child process on 127.0.0.1 and a free port.</summary>
public sealed partial class FunctionHostProcess : IAsyncDisposable
{
    private readonly ChildProcess _process;

    private FunctionHostProcess(ChildProcess process, Uri address)
    {
        _process = process;
        Address = address;
    }

    /// <summary>The host's base address, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri Address { get; }

    public string Output => _process.Output;

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

    /// <summary>
    /// The app published with Native AOT (one executable, no JIT): <c>eng/test.sh</c> publishes it and sets
    /// <c>SAGAS_TEST_NATIVE_FUNCTION_HOST</c> to the executable.
    /// </summary>
    public static string NativePath
        => Environment.GetEnvironmentVariable("SAGAS_TEST_NATIVE_FUNCTION_HOST") is { Length: > 0 } path
            ? path
            : throw new InvalidOperationException("SAGAS_TEST_NATIVE_FUNCTION_HOST is not set: run the tests through eng/test.sh, which publishes the function host with Native AOT (dotnet publish samples/Checkout.FunctionHost -c Release -r linux-x64 -p:PublishAot=true) and points this at the executable.");

    /// <summary>Starts the built app (<paramref name="native"/>: the Native AOT one) with <paramref name="settings"/> as its environment.</summary>
    public static async Task<FunctionHostProcess> StartAsync(IReadOnlyDictionary<string, string> settings, bool native = false)
    {
        var environment = new Dictionary<string, string>(settings)
        {
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
            ["Logging__Console__FormatterName"] = "simple",
            ["Logging__Console__FormatterOptions__SingleLine"] = "true",
        };
        var process = native
            ? ChildProcess.Start(NativePath, [], environment, Path.GetDirectoryName(NativePath))
            : ChildProcess.Start("dotnet", [AssemblyPath], environment, Path.GetDirectoryName(AssemblyPath));
        try
        {
            var address = await process.WaitForLineAsync(line => ReadyLine().Match(line) is { Success: true } match ? match.Groups[1].Value + "/" : null, TimeSpan.FromSeconds(60));
            return new FunctionHostProcess(process, new Uri(address));
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    [GeneratedRegex(@"Checkout function host ready on (http://[^\s,]+?): steps at")]
    private static partial Regex ReadyLine();
}
