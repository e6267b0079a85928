using System.Diagnostics;
using System.Text;

namespace Sagas.Testing;

/// <summary>
/// A program a test runs as a child process (a sample service, a function host, a Node.js function): both output
/// streams captured for failure messages, a wait for the line that says it is ready, and SIGKILL of the whole process
/// tree on <see cref="KillAsync"/> or dispose.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];

    private ChildProcess(Process process) => _process = process;

    /// <summary>Everything the process wrote so far, both streams interleaved.</summary>
    public string Output
    {
        get
        {
            lock (_lines)
            {
                return string.Join(Environment.NewLine, _lines);
            }
        }
    }

    /// <summary>Whether the process has ended.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Starts <paramref name="fileName"/> with <paramref name="arguments"/> and extra environment variables.</summary>
    public static ChildProcess Start(string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workingDirectory is not null)
        {
            start.WorkingDirectory = workingDirectory;
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var child = new ChildProcess(Process.Start(start) ?? throw new InvalidOperationException($"could not start {fileName}"));
        child._process.OutputDataReceived += (_, e) => child.Append(e.Data);
        child._process.ErrorDataReceived += (_, e) => child.Append(e.Data);
        child._process.BeginOutputReadLine();
        child._process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Waits for the first output line <paramref name="parse"/> turns into a value (an address, a port).</summary>
    /// <exception cref="TimeoutException">No such line within <paramref name="timeout"/>, or the process ended; the message holds the output.</exception>
    public async Task<string> WaitForLineAsync(Func<string, string?> parse, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        var checkedLines = 0;
        while (DateTime.UtcNow < until)
        {
            string[] fresh;
            lock (_lines)
            {
                fresh = [.. _lines.Skip(checkedLines)];
            }

            checkedLines += fresh.Length;
            foreach (var line in fresh)
            {
                if (parse(line) is { } value)
                {
                    return value;
                }
            }

            if (_process.HasExited)
            {
                throw new TimeoutException($"the process ended ({_process.ExitCode}) before it was ready:{Environment.NewLine}{Output}");
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"the process was not ready within {timeout}:{Environment.NewLine}{Output}");
    }

    /// <summary>SIGKILL of the process tree: no shutdown, no flush, no acknowledgement.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lines)
        {
            _lines.Add(line);
        }
    }
}
