using System.Diagnostics;

namespace Checkout.Soak;

/// <summary>The PostgreSQL cluster and RabbitMQ node eng/soak.sh started, restarted through the project's own scripts.</summary>
internal sealed class Infrastructure(string state, Uri broker)
{
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromMinutes(3);

    private string PostgresDir => Path.Combine(state, "postgres");

    private string RabbitMqDir => Path.Combine(state, "rabbitmq");

    /// <summary>PostgreSQL stopped as if it crashed (no checkpoint), down for <paramref name="downtime"/>, started again (crash recovery).</summary>
    public Task RestartPostgresAsync(TimeSpan downtime) => ScriptAsync("postgres.sh", downtime, "restart", PostgresDir, "--immediate");

    /// <summary>The broker node shut down and started again with its queues and messages.</summary>
    public Task RestartRabbitMqAsync(TimeSpan downtime) => ScriptAsync("rabbitmq.sh", downtime, "restart", RabbitMqDir);

    /// <summary>The broker node shut down, its data deleted, started again empty; returns when it was down (all it held then is gone).</summary>
    public async Task<DateTimeOffset> WipeRabbitMqAsync(TimeSpan downtime)
    {
        await ScriptAsync("rabbitmq.sh", downtime, "restart", RabbitMqDir, "--wipe");
        return DateTimeOffset.Parse(await File.ReadAllTextAsync(Path.Combine(RabbitMqDir, "stopped-at")), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The messages in every queue of the broker, by queue name.</summary>
    public async Task<IReadOnlyDictionary<string, long>> QueueDepthsAsync()
    {
        var output = await RunAsync("bash", TimeSpan.Zero, Path.Combine(Repository.Root, "eng", "services", "rabbitmq.sh"), "ctl", RabbitMqDir, "list_queues", "--quiet", "--no-table-headers", "name", "messages");
        var depths = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = line.Split('\t', ' ');
            if (parts.Length >= 2 && long.TryParse(parts[^1], out var messages))
            {
                depths[parts[0]] = messages;
            }
        }

        return depths;
    }

    /// <summary>The first message of <paramref name="queue"/>, left in the queue: its Sagas/MassTransit reason headers and the start of its body.</summary>
    public async Task<string> PeekAsync(string queue)
    {
        await using var connection = await new RabbitMQ.Client.ConnectionFactory { Uri = broker }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        if (await channel.BasicGetAsync(queue, autoAck: false) is not { } message)
        {
            return "(empty)";
        }

        var headers = (message.BasicProperties.Headers ?? new Dictionary<string, object?>())
            .Where(h => h.Key.StartsWith("MT-", StringComparison.Ordinal))
            .Select(h => $"{h.Key}={(h.Value is byte[] bytes ? System.Text.Encoding.UTF8.GetString(bytes) : h.Value)}");
        var body = System.Text.Encoding.UTF8.GetString(message.Body.Span);
        await channel.BasicNackAsync(message.DeliveryTag, multiple: false, requeue: true);
        return $"{string.Join("; ", headers)}; body: {body[..Math.Min(body.Length, 400)]}";
    }

    private Task ScriptAsync(string script, TimeSpan downtime, params string[] arguments)
        => RunAsync("bash", downtime, [Path.Combine(Repository.Root, "eng", "services", script), .. arguments]);

    private static async Task<string> RunAsync(string fileName, TimeSpan downtime, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["RESTART_DOWNTIME"] = downtime.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not run {fileName}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(ScriptTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{string.Join(' ', arguments)} did not finish within {ScriptTimeout.TotalMinutes:0} min");
        }

        return process.ExitCode == 0
            ? await stdout
            : throw new InvalidOperationException($"{string.Join(' ', arguments)} failed ({process.ExitCode}): {await stderr}");
    }
}
