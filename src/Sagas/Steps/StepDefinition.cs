using System.Text.Json;

namespace Sagas.Steps;

/// <summary>Options of one step.</summary>
public sealed class StepOptions
{
    /// <summary>
    /// How long one attempt (of the step or of its compensation) may take before it is asked again, with the same
    /// idempotency key, as the next attempt of <see cref="Retry"/>: a lost command or a lost reply heals itself. Once the
    /// retries are spent, a compensatable step whose outcome is in doubt is compensated (with the completed steps), a
    /// pivot in doubt parks the saga as Faulted, a retriable step parks it too. Default 30 seconds.
    /// </summary>
    public TimeSpan Deadline { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Retries of the step itself after its handler failed transiently or an attempt missed its deadline. See
    /// <see cref="StepRetryOptions"/> for defaults.
    /// </summary>
    public StepRetryOptions Retry { get; set; } = new();

    /// <summary>
    /// How long the step (or its compensation) keeps being retried while its host is unavailable: the function could
    /// not be reached, did not answer within its timeout, answered 5xx, or its circuit is open
    /// (<see cref="StepFailed.Unavailable"/>). Such attempts do not count against <see cref="Retry"/>: an outage of
    /// infrastructure is waited out (with the retry delays, and at least until an open circuit half-opens), not spent
    /// as business retries. Past the budget the step fails as if its retries were spent. Default 10 minutes.
    /// </summary>
    public TimeSpan OutageBudget { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Retries of the step's compensation. Compensation must finish, so by default it is retried without
    /// limit (delays capped at a minute); set <see cref="StepRetryOptions.MaxAttempts"/> to park the saga as
    /// Faulted instead once the budget is spent.
    /// </summary>
    public StepRetryOptions CompensationRetry { get; set; } = new() { MaxAttempts = int.MaxValue };

    /// <summary>
    /// The longest one attempt of the step's handler (or its compensation's) is expected to run. A route whose host cannot
    /// run it that long (<see cref="Gateway.StepRoute.MaxDuration"/>), or a <see cref="Deadline"/> shorter than it, is
    /// refused when the application starts, naming the step and the limit. Default: not declared.
    /// </summary>
    public TimeSpan? MaxDuration { get; set; }

    /// <summary>
    /// The largest the step's commands are expected to be, serialized, in bytes. A route whose host cannot take that much
    /// (<see cref="Gateway.StepRoute.MaxPayloadBytes"/>) is refused when the application starts, naming the step and the
    /// limit. Default: not declared.
    /// </summary>
    public int? MaxPayloadBytes { get; set; }
}

/// <summary>One step of a saga's plan.</summary>
/// <typeparam name="TState">The saga state.</typeparam>
public sealed class StepDefinition<TState>
    where TState : StepSagaState
{
    internal StepDefinition(
        string name,
        StepKind kind,
        Type commandType,
        Func<TState, object> createCommand,
        Type? compensationType,
        Func<TState, object>? createCompensation,
        Action<TState, JsonElement?, JsonSerializerOptions>? onCompleted,
        StepOptions options)
    {
        Name = name;
        Kind = kind;
        CommandType = commandType;
        CreateCommand = createCommand;
        CompensationType = compensationType;
        CreateCompensation = createCompensation;
        OnCompleted = onCompleted;
        Options = options;
    }

    /// <summary>The step's name, unique in the saga.</summary>
    public string Name { get; }

    /// <summary>Compensatable, pivot or retriable.</summary>
    public StepKind Kind { get; }

    /// <summary>The command contract that executes the step.</summary>
    public Type CommandType { get; }

    /// <summary>The command contract that undoes the step (compensatable steps only).</summary>
    public Type? CompensationType { get; }

    /// <summary>The step's options.</summary>
    public StepOptions Options { get; }

    internal Func<TState, object> CreateCommand { get; }

    internal Func<TState, object>? CreateCompensation { get; }

    internal Action<TState, JsonElement?, JsonSerializerOptions>? OnCompleted { get; }
}

/// <summary>Declares a saga's steps, in order: compensatable steps, then at most one pivot, then retriable steps.</summary>
/// <typeparam name="TState">The saga state.</typeparam>
public sealed class StepPlanBuilder<TState>
    where TState : StepSagaState
{
    private readonly List<StepDefinition<TState>> _steps = [];

    internal IReadOnlyList<StepDefinition<TState>> Steps => _steps;

    /// <summary>A step that <paramref name="compensate"/> can undo.</summary>
    public StepPlanBuilder<TState> Compensatable<TCommand, TResult, TCompensation>(
        string name,
        Func<TState, TCommand> execute,
        Func<TState, TCompensation> compensate,
        Action<TState, TResult>? onCompleted = null,
        Action<StepOptions>? configure = null)
        where TCommand : class
        where TCompensation : class
    {
        ArgumentNullException.ThrowIfNull(compensate);
        return Add(name, StepKind.Compensatable, execute, typeof(TCompensation), s => compensate(s), onCompleted, configure);
    }

    /// <summary>The point of no return.</summary>
    public StepPlanBuilder<TState> Pivot<TCommand, TResult>(
        string name,
        Func<TState, TCommand> execute,
        Action<TState, TResult>? onCompleted = null,
        Action<StepOptions>? configure = null)
        where TCommand : class
        => Add(name, StepKind.Pivot, execute, null, null, onCompleted, configure);

    /// <summary>A step after the pivot, retried until it succeeds; retriable steps run concurrently.</summary>
    public StepPlanBuilder<TState> Retriable<TCommand, TResult>(
        string name,
        Func<TState, TCommand> execute,
        Action<TState, TResult>? onCompleted = null,
        Action<StepOptions>? configure = null)
        where TCommand : class
        => Add(name, StepKind.Retriable, execute, null, null, onCompleted, configure);

    private StepPlanBuilder<TState> Add<TCommand, TResult>(
        string name,
        StepKind kind,
        Func<TState, TCommand> execute,
        Type? compensationType,
        Func<TState, object>? compensate,
        Action<TState, TResult>? onCompleted,
        Action<StepOptions>? configure)
        where TCommand : class
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(execute);
        if (_steps.Any(s => s.Name == name))
        {
            throw new InvalidOperationException($"Step '{name}' is declared twice.");
        }

        if (_steps.Count > 0 && kind < _steps[^1].Kind)
        {
            throw new InvalidOperationException($"Step '{name}' ({kind}) cannot follow step '{_steps[^1].Name}' ({_steps[^1].Kind}): declare compensatable steps first, then the pivot, then retriable steps.");
        }

        if (kind == StepKind.Pivot && _steps.Any(s => s.Kind == StepKind.Pivot))
        {
            throw new InvalidOperationException($"Step '{name}': a saga has at most one pivot.");
        }

        var options = new StepOptions();
        configure?.Invoke(options);
        if (options.Deadline <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"Step '{name}': Deadline must be positive, got {options.Deadline}.");
        }

        if (options.OutageBudget < TimeSpan.Zero)
        {
            throw new InvalidOperationException($"Step '{name}': OutageBudget must not be negative, got {options.OutageBudget}.");
        }

        options.Retry.Validate(name);
        options.CompensationRetry.Validate(name);

        Action<TState, JsonElement?, JsonSerializerOptions>? completed = onCompleted is null
            ? null
            : (state, result, json) => onCompleted(state, result is { ValueKind: not JsonValueKind.Null and not JsonValueKind.Undefined } element ? element.Deserialize<TResult>(json)! : default!);
        _steps.Add(new StepDefinition<TState>(name, kind, typeof(TCommand), s => execute(s), compensationType, compensate, completed, options));
        return this;
    }
}
