using System.Diagnostics;

namespace Checkout.Soak;

/// <summary>What one injected fault did.</summary>
internal sealed record FaultRecord(string Fault, string Target, double AtSeconds, double Seconds, string? Error);

/// <summary>
/// Injects the scheduled faults one after the other, each once a share of the orders has been submitted: spread evenly
/// between 10 % and 80 % of the submissions, so every fault meets sagas in every state.
/// </summary>
internal sealed class FaultInjector(SoakOptions options, Fleet fleet, Infrastructure infrastructure, Func<int> submitted, Stopwatch clock)
{
    private static readonly TimeSpan ServiceDowntime = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan PostgresDowntime = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan BrokerDowntime = TimeSpan.FromSeconds(2);
    private readonly List<FaultRecord> _done = [];

    public IReadOnlyList<FaultRecord> Done => _done;

    /// <summary>When the wiped broker was down, if one was: an order accepted before may have sat in a queue it lost.</summary>
    public DateTimeOffset? WipedAt { get; private set; }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var faults = options.Faults;
        for (var i = 0; i < faults.Count; i++)
        {
            var share = faults.Count == 1 ? 0.4 : 0.1 + (0.7 * i / (faults.Count - 1));
            var threshold = (int)Math.Ceiling(share * options.Orders);
            while (submitted() < threshold)
            {
                await Task.Delay(100, cancellationToken);
            }

            var at = clock.Elapsed.TotalSeconds;
            var (target, error) = await InjectAsync(faults[i]);
            var record = new FaultRecord(FaultNames.Of(faults[i]), target, Math.Round(at, 1), Math.Round(clock.Elapsed.TotalSeconds - at, 1), error);
            _done.Add(record);
            Console.WriteLine($"== fault {i + 1}/{faults.Count} at {record.AtSeconds:0.0} s (order {threshold} submitted): {record.Fault} {record.Target}, {record.Seconds:0.0} s{(error is null ? "" : $", FAILED: {error}")}");
        }
    }

    private async Task<(string Target, string? Error)> InjectAsync(Fault fault)
    {
        var target = fault switch
        {
            Fault.WorkerKill => fleet.NextWorker().Name,
            Fault.FunctionsKill => fleet.Functions.Name,
            Fault.PostgresRestart => "postgresql",
            _ => "rabbitmq",
        };
        try
        {
            switch (fault)
            {
                case Fault.WorkerKill:
                    await Fleet.RestartAfterKillAsync(fleet.Workers.Single(w => w.Name == target), ServiceDowntime);
                    break;
                case Fault.FunctionsKill:
                    await Fleet.RestartAfterKillAsync(fleet.Functions, ServiceDowntime);
                    break;
                case Fault.PostgresRestart:
                    await infrastructure.RestartPostgresAsync(PostgresDowntime);
                    break;
                case Fault.RabbitMqRestart:
                    await infrastructure.RestartRabbitMqAsync(BrokerDowntime);
                    break;
                case Fault.RabbitMqWipe:
                    WipedAt = await infrastructure.WipeRabbitMqAsync(BrokerDowntime);
                    break;
            }

            return (target, null);
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
        {
            return (target, ex.Message);
        }
    }
}
