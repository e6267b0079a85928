using System.Globalization;

namespace Checkout.Soak;

/// <summary>What a soak run does; parsed from the command line (see <see cref="Usage"/>).</summary>
internal sealed record SoakOptions
{
    public const string Usage = """
        usage: Checkout.Soak --state DIR --postgres CS --rabbitmq URI [options]
          --orders N          orders of the sample mix to submit (default 300)
          --replicas R        worker replicas competing on the same queues (default 2)
          --in-flight K       orders submitted and not yet terminal at once (default 32)
          --duplicates F      share of orders POSTed twice (default 0.1)
          --faults LIST       comma-separated faults, spread over the submissions (default: every fault once below 2,000
                              orders, else worker-kill x3, functions-kill x2, postgres-restart, rabbitmq-restart):
                              worker-kill, functions-kill, postgres-restart, rabbitmq-restart, rabbitmq-wipe
          --empty-broker      add rabbitmq-wipe (a node that comes back empty) after the other faults
          --drain-timeout S   seconds to wait, after the last submission, for every saga to end (default 600)
          --json FILE         also write the JSON summary to FILE
        DIR holds the PostgreSQL and RabbitMQ state of eng/services (postgres/, rabbitmq/), the services' logs and output.
        """;

    public required string State { get; init; }

    public required string Postgres { get; init; }

    public required Uri RabbitMq { get; init; }

    public int Orders { get; init; } = 300;

    public int Replicas { get; init; } = 2;

    public int InFlight { get; init; } = 32;

    public double Duplicates { get; init; } = 0.1;

    public IReadOnlyList<Fault> Faults { get; init; } = [];

    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromMinutes(10);

    public string? JsonPath { get; init; }

    public static SoakOptions Parse(string[] args)
    {
        string? state = null, postgres = null, rabbit = null, json = null, faults = null;
        int orders = 300, replicas = 2, inFlight = 32, drain = 600;
        var duplicates = 0.1;
        var emptyBroker = false;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--state": state = Next(); break;
                case "--postgres": postgres = Next(); break;
                case "--rabbitmq": rabbit = Next(); break;
                case "--orders": orders = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--replicas": replicas = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--in-flight": inFlight = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--duplicates": duplicates = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--faults": faults = Next(); break;
                case "--empty-broker": emptyBroker = true; break;
                case "--drain-timeout": drain = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--json": json = Next(); break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }

        if (state is null || postgres is null || rabbit is null)
        {
            throw new ArgumentException("--state, --postgres and --rabbitmq are required");
        }

        if (orders < 1 || replicas < 1 || inFlight < 1 || duplicates is < 0 or > 1 || drain < 1)
        {
            throw new ArgumentException("--orders, --replicas, --in-flight and --drain-timeout must be positive, --duplicates between 0 and 1");
        }

        var schedule = faults is null ? DefaultFaults(orders) : [.. faults.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(FaultNames.Parse)];
        if (emptyBroker && !schedule.Contains(Fault.RabbitMqWipe))
        {
            schedule.Add(Fault.RabbitMqWipe);
        }

        return new SoakOptions
        {
            State = Path.GetFullPath(state),
            Postgres = postgres,
            RabbitMq = new Uri(rabbit),
            Orders = orders,
            Replicas = replicas,
            InFlight = inFlight,
            Duplicates = duplicates,
            Faults = schedule,
            DrainTimeout = TimeSpan.FromSeconds(drain),
            JsonPath = json,
        };
    }

    private static List<Fault> DefaultFaults(int orders) => orders < 2000
        ? [Fault.WorkerKill, Fault.FunctionsKill, Fault.PostgresRestart, Fault.RabbitMqRestart]
        : [Fault.WorkerKill, Fault.FunctionsKill, Fault.PostgresRestart, Fault.WorkerKill, Fault.RabbitMqRestart, Fault.FunctionsKill, Fault.WorkerKill];
}
