namespace Sagas.Gateway;

/// <summary>
/// Where step commands run. A command with no route runs in this process (its <c>AddStep</c> handler); a
/// command with a route is forwarded to a function. Moving a step between container and function is a change
/// here, not in the saga. Bind it from configuration, e.g. section <c>Sagas:Routing</c>:
/// <code>{ "Routes": { "com.example.checkout.update-crm.v1": { "Http": "https://crm-fn.example.com/steps" } } }</code>
/// </summary>
public sealed class StepRoutingOptions
{
    /// <summary>Routes by the command's CloudEvents <c>type</c>.</summary>
    public Dictionary<string, StepRoute> Routes { get; } = new(StringComparer.Ordinal);
}

/// <summary>How one step command reaches the function that runs it, and the resilience around the call.</summary>
public sealed class StepRoute
{
    /// <summary>The HTTP CloudEvents endpoint of the function (e.g. a Sagas.Functions host, Knative, Cloud Run).</summary>
    public Uri? Http { get; set; }

    /// <summary>
    /// Or: the name of a registered <see cref="Steps.IStepChannel"/> (an SQS or Storage Queue channel) that carries the
    /// command to the function; its reply comes back through the channel's listener. Set <see cref="Http"/> or this.
    /// </summary>
    public string? Channel { get; set; }

    /// <summary>
    /// Time one attempt may take. Default 5 seconds, so that the default retries (about 21 s at worst) end
    /// before the default step deadline (30 s).
    /// </summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Retries of a failed call (connection error, timeout, 5xx, 408, 409 still running, 429) before the step reports a transient failure to the saga. Default 3.</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>First retry delay; later ones grow exponentially, with jitter. Default 100 ms.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Share of failed calls (over at least 10 in 30 s) that opens the circuit. Default 0.5.</summary>
    public double BreakerFailureRatio { get; set; } = 0.5;

    /// <summary>How long an open circuit fails calls at once before trying again. Default 30 seconds.</summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// When set, a second identical call starts if the first has not answered after this long (for cold
    /// starts); the first answer wins. The function's inbox makes the duplicate harmless. Default off.
    /// </summary>
    public TimeSpan? HedgingDelay { get; set; }

    /// <summary>
    /// How long in all a step routed here keeps being retried while this function is unavailable (refused, timed out,
    /// 5xx, circuit open), overriding the step's <see cref="Steps.StepOptions.OutageBudget"/>; such attempts spend none of the
    /// step's retry budget. Default: the step's.
    /// </summary>
    public TimeSpan? OutageBudget { get; set; }

    /// <summary>Shared secret for the <c>X-Sagas-Signature</c> HMAC header, when the function requires signed requests.</summary>
    public string? SignatureSecret { get; set; }

    /// <summary>
    /// The longest the function's host lets one call run (AWS Lambda: 15 minutes; Azure Functions: the plan's
    /// <c>functionTimeout</c>). A step that declares a longer <see cref="Steps.StepOptions.MaxDuration"/> is refused at start.
    /// Default: not declared.
    /// </summary>
    public TimeSpan? MaxDuration { get; set; }

    /// <summary>
    /// The largest command the function's host takes, in bytes (AWS Lambda invoked synchronously: 6 MB). Leave it unset
    /// for a queue <see cref="Channel"/>: the channel checks in what its queue cannot carry (SQS 256 KB, Storage Queues
    /// 64 KB); set it there only when the function itself cannot take more. A step that declares larger commands
    /// (<see cref="Steps.StepOptions.MaxPayloadBytes"/>) is refused at start unless one of the <see cref="Alternates"/>
    /// takes them; at dispatch a command over it goes to the first alternate that takes it, else stays in this process when
    /// its step can overflow, and is refused (a permanent failure naming the limit) when the functions are its only hosts
    /// (but a queue <see cref="Channel"/> that is the route's only host checks a large command in). Default: not declared.
    /// </summary>
    public int? MaxPayloadBytes { get; set; }

    /// <summary>
    /// When set, the step's function is its overflow host, not its only one: a command runs in this process (its
    /// <c>AddStep</c> handler) while that keeps up and goes to the function while it is behind. Without a handler in this
    /// process every command goes to the function, as without it. Default: none.
    /// </summary>
    public Placement.StepOverflow? Overflow { get; set; }

    /// <summary>
    /// More hosts for the step, tried in order after this route's own for a command it cannot take: one over its
    /// <see cref="MaxPayloadBytes"/>, or any while its circuit is open (an HTTP host that keeps failing). For example an
    /// HTTP function first, then a Lambda behind SQS whose channel checks large commands in. Each names its own
    /// <see cref="Http"/> or <see cref="Channel"/>, call settings and limits; <see cref="Overflow"/> and <see cref="Alternates"/>
    /// belong to the route itself. The host each command went to, and why, is in the saga's history. Default: none.
    /// </summary>
    public IList<StepRoute> Alternates { get; } = new List<StepRoute>();
}
