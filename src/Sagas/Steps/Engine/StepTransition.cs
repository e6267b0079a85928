namespace Sagas.Steps.Engine;

/// <summary>A step command the engine decided to send: an attempt of a step, or of its compensation.</summary>
/// <param name="Step">The step.</param>
/// <param name="Attempt">The attempt number.</param>
/// <param name="Compensation">Whether it undoes the step.</param>
/// <param name="Message">The command, built from the saga's state.</param>
internal sealed record StepCommand(string Step, int Attempt, bool Compensation, object Message);

/// <summary>A timer the engine decided to set: it fires <see cref="Timer"/> at <see cref="DueAt"/> unless withdrawn.</summary>
/// <param name="Id">The timer's id, kept in <see cref="StepProgress.TimerId"/> so a reply can withdraw it.</param>
/// <param name="Timer">What fires.</param>
/// <param name="DueAt">When.</param>
internal sealed record StepTimer(Guid Id, StepTimerElapsed Timer, DateTimeOffset DueAt);

/// <summary>
/// What one input did to a saga, besides changing its state: the commands to send, the timers to set and to withdraw,
/// and the state to move to. The adapter (<see cref="StepSagaStateMachine{TState}"/>) carries it out, all of it in the
/// transaction of the input.
/// </summary>
internal sealed class StepTransition
{
    public List<StepCommand> Commands { get; } = [];

    public List<StepTimer> Timers { get; } = [];

    public List<Guid> CancelledTimers { get; } = [];

    /// <summary>The state to move to (one of <see cref="StepSagaStates"/>), or <see langword="null"/> to stay.</summary>
    public string? TargetState { get; set; }
}
