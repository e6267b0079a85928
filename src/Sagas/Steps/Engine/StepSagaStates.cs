namespace Sagas.Steps.Engine;

/// <summary>The names of the states of a step saga, as <see cref="StepSagaState.CurrentState"/> holds them.</summary>
internal static class StepSagaStates
{
    public const string Executing = "Executing";

    public const string Compensating = "Compensating";

    public const string Completed = "Completed";

    public const string Rejected = "Rejected";

    public const string Compensated = "Compensated";

    public const string Faulted = "Faulted";

    /// <summary>Whether a saga in <paramref name="state"/> is running: it waits on a timer, and a sweep may wake it.</summary>
    public static bool IsRunning(string state) => state is Executing or Compensating;
}
