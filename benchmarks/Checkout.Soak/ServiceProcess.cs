using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Checkout.Soak;

/// <summary>
/// One checkout service (<c>dotnet X.dll</c> from its build output) on its own port, its output appended to a log file
/// that survives kills and restarts.
/// </summary>
internal sealed class ServiceProcess : IAsyncDisposable
{
    private static readonly HttpClient Probe = new() { Timeout = TimeSpan.FromSeconds(3) };
    private readonly string _dll;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly string _log;
    private Process? _process;

    public ServiceProcess(string name, string project, IReadOnlyDictionary<string, string> environment, string logDirectory)
    {
        Name = name;
        Port = FreePort();
        Address = new Uri($"http://127.0.0.1:{Port}");
        _dll = Path.Combine(Repository.Root, "samples", project, "bin", Repository.Configuration, "net10.0", project + ".dll");
        _environment = environment;
        _log = Path.Combine(logDirectory, name + ".log");
    }

    public string Name { get; }

    public int Port { get; }

    public Uri Address { get; }

    public int Starts { get; private set; }

    /// <summary>Starts the process and waits (bounded) until <c>/health/live</c> answers.</summary>
    public async Task StartAsync(TimeSpan timeout)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(_dll);
        foreach (var (key, value) in _environment)
        {
            start.Environment[key] = value;
        }

        start.Environment["ASPNETCORE_URLS"] = Address.ToString();
        var log = new StreamWriter(_log, append: true) { AutoFlush = true };
        await log.WriteLineAsync($"==== start {++Starts} at {DateTimeOffset.UtcNow:O}");
        _process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {Name}");
        _process.OutputDataReceived += (_, e) => Write(log, e.Data);
        _process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        _process.Exited += (_, _) =>
        {
            lock (log)
            {
                log.Dispose();
            }
        };
        _process.EnableRaisingEvents = true;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode} while starting; see {_log}");
            }

            if (await IsLiveAsync())
            {
                return;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"{Name} did not answer /health/live within {timeout.TotalSeconds:0} s; see {_log}");
    }

    /// <summary>SIGKILL of the process tree: no shutdown, no flush, no acknowledgement.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    /// <summary>Whether the process runs and answers <c>/health/live</c>.</summary>
    public async Task<bool> IsLiveAsync()
    {
        if (_process is null || _process.HasExited)
        {
            return false;
        }

        try
        {
            using var response = await Probe.GetAsync(new Uri(Address, "/health/live"));
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            if (!_process.HasExited)
            {
                // A graceful stop: the services flush their logs and let go of the broker and the database.
                _process.Kill(entireProcessTree: false);
                using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));
                try
                {
                    await _process.WaitForExitAsync(stop.Token);
                }
                catch (OperationCanceledException)
                {
                    await KillAsync();
                }
            }

            _process.Dispose();
        }
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            try
            {
                log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
                // the process ended
            }
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
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    /// <summary>The configuration this program was built in; the services are run from the same one.</summary>
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
