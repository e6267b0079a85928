using System.Net;
using System.Net.Sockets;
using Sagas.Testing;

namespace Checkout.EndToEnd.Tests.Harness;

/// <summary>One service of the topology, run from its build output as a child process (<c>dotnet X.dll</c>).</summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly string _name;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private ChildProcess? _process;

    public ServiceProcess(string name, IReadOnlyDictionary<string, string> environment)
    {
        _name = name;
        _environment = environment;
        Port = FreePort();
        Address = new Uri($"http://127.0.0.1:{Port}");
    }

    public int Port { get; }

    public Uri Address { get; }

    /// <summary>What the process wrote, for failure messages.</summary>
    public string Log => _process?.Output ?? string.Empty;

    /// <summary>Starts the process and waits until <c>/health/ready</c> answers 200.</summary>
    public async Task StartAsync()
    {
        var dll = Path.Combine(Repository.Root, "samples", _name, "bin", Repository.Configuration, "net10.0", _name + ".dll");
        var environment = new Dictionary<string, string>(_environment)
        {
            ["ASPNETCORE_URLS"] = Address.ToString(),
            ["Logging__LogLevel__Default"] = "Warning",
        };
        _process = ChildProcess.Start("dotnet", [dll], environment);

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (DateTime.UtcNow < until)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{_name} exited:\n{Log}");
            }

            try
            {
                if ((await http.GetAsync(new Uri(Address, "/health/ready"))).StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"{_name} was not ready within 90 s:\n{Log}");
    }

    /// <summary>SIGKILL: no shutdown, no flush, no acknowledgement.</summary>
    public Task KillAsync() => _process?.KillAsync() ?? Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync(); // these services hold nothing a test needs flushed
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>Where the repository and the build output are.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    /// <summary>The configuration these tests were built in (Release under eng/test.sh).</summary>
    public static string Configuration { get; } = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Sagas.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Sagas.sln not found above " + AppContext.BaseDirectory);
    }
}
