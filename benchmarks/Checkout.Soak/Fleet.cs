namespace Checkout.Soak;

/// <summary>The checkout's services: the function host, R worker replicas on the same queues, and the API.</summary>
internal sealed class Fleet : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);
    private int _nextWorker;

    private Fleet(ServiceProcess functions, IReadOnlyList<ServiceProcess> workers, ServiceProcess api)
    {
        Functions = functions;
        Workers = workers;
        Api = api;
    }

    public ServiceProcess Functions { get; }

    public IReadOnlyList<ServiceProcess> Workers { get; }

    public ServiceProcess Api { get; }

    public IEnumerable<ServiceProcess> All => [Functions, .. Workers, Api];

    public string Invoices { get; private init; } = string.Empty;

    public string Mail { get; private init; } = string.Empty;

    public static async Task<Fleet> StartAsync(SoakOptions options)
    {
        var logs = Directory.CreateDirectory(Path.Combine(options.State, "logs")).FullName;
        var output = Directory.CreateDirectory(Path.Combine(options.State, "output")).FullName;
        var common = new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = options.Postgres,
            ["ConnectionStrings__RabbitMq"] = options.RabbitMq.ToString(),
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information",
        };
        var functions = new ServiceProcess("functions", "Checkout.FunctionHost", new Dictionary<string, string>(common)
        {
            ["Checkout__OutputDirectory"] = Path.Combine(output, "invoices"),
            ["Checkout__PickupDirectory"] = Path.Combine(output, "mail"),
        }, logs);
        var workers = Enumerable.Range(1, options.Replicas)
            .Select(i => new ServiceProcess($"worker-{i}", "Checkout.Worker", new Dictionary<string, string>(common)
            {
                ["Checkout__FunctionsUrl"] = functions.Address.ToString(),
                ["Checkout__OutputDirectory"] = Path.Combine(output, "invoices"), // invoices written here while the worker keeps up
            }, logs))
            .ToList();
        var api = new ServiceProcess("api", "Checkout.Api", common, logs);
        var fleet = new Fleet(functions, workers, api)
        {
            Invoices = Path.Combine(output, "invoices"),
            Mail = Path.Combine(output, "mail"),
        };
        await functions.StartAsync(StartTimeout);
        await workers[0].StartAsync(StartTimeout); // creates the schema; the others then start side by side
        await Task.WhenAll(workers.Skip(1).Select(w => w.StartAsync(StartTimeout)));
        await api.StartAsync(StartTimeout);
        return fleet;
    }

    /// <summary>The worker replica the next worker kill takes (in turn).</summary>
    public ServiceProcess NextWorker() => Workers[_nextWorker++ % Workers.Count];

    public async ValueTask DisposeAsync()
    {
        await Api.DisposeAsync();
        foreach (var worker in Workers)
        {
            await worker.DisposeAsync();
        }

        await Functions.DisposeAsync();
    }

    /// <summary>SIGKILLs <paramref name="service"/>, leaves it down for <paramref name="downtime"/>, starts it again.</summary>
    public static async Task RestartAfterKillAsync(ServiceProcess service, TimeSpan downtime)
    {
        await service.KillAsync();
        await Task.Delay(downtime);
        await service.StartAsync(StartTimeout);
    }
}
