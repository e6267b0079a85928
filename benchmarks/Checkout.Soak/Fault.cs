namespace Checkout.Soak;

/// <summary>A fault the soak injects.</summary>
internal enum Fault
{
    /// <summary>SIGKILL of one worker replica (in turn), started again after a moment.</summary>
    WorkerKill,

    /// <summary>SIGKILL of the function host, started again after a moment.</summary>
    FunctionsKill,

    /// <summary>PostgreSQL stopped as in a crash (immediate shutdown, no checkpoint) and started again.</summary>
    PostgresRestart,

    /// <summary>The RabbitMQ node stopped and started again with its data (queues and messages kept).</summary>
    RabbitMqRestart,

    /// <summary>The RabbitMQ node stopped, its data wiped and started again: a lost disk, or a new cluster.</summary>
    RabbitMqWipe,
}

/// <summary>The command-line names of <see cref="Fault"/>.</summary>
internal static class FaultNames
{
    public static string Of(Fault fault) => fault switch
    {
        Fault.WorkerKill => "worker-kill",
        Fault.FunctionsKill => "functions-kill",
        Fault.PostgresRestart => "postgres-restart",
        Fault.RabbitMqRestart => "rabbitmq-restart",
        Fault.RabbitMqWipe => "rabbitmq-wipe",
        _ => throw new ArgumentOutOfRangeException(nameof(fault)),
    };

    public static Fault Parse(string name) => Enum.GetValues<Fault>().FirstOrDefault(f => Of(f) == name, (Fault)(-1)) is var fault && Enum.IsDefined(fault)
        ? fault
        : throw new ArgumentException($"unknown fault '{name}'; one of {string.Join(", ", Enum.GetValues<Fault>().Select(Of))}");
}
