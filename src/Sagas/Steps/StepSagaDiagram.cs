using System.Text;

namespace Sagas.Steps;

/// <summary>Draws a step saga as a Mermaid state diagram, from the same plan the saga runs.</summary>
public static class StepSagaDiagram
{
    /// <summary>The Mermaid <c>stateDiagram-v2</c> source of <paramref name="machine"/>.</summary>
    public static string ToMermaid<TState>(StepSagaStateMachine<TState> machine)
        where TState : StepSagaState, new()
    {
        ArgumentNullException.ThrowIfNull(machine);
        var plan = machine.Plan;
        var sequential = plan.Where(s => s.Kind != StepKind.Retriable).ToList();
        var retriable = plan.Where(s => s.Kind == StepKind.Retriable).ToList();
        var compensatable = plan.Where(s => s.Kind == StepKind.Compensatable).ToList();
        var framework = new HashSet<string>([machine.StepCompletedEvent.Name, machine.StepFailedEvent.Name, machine.StepTimerEvent.Name, machine.ResumeEvent.Name, machine.CompensateEvent.Name, machine.RetryNowEvent.Name]);
        var starts = machine.NextEvents(machine.Initial).Select(e => e.Name).Where(n => !framework.Contains(n)).ToList();

        var text = new StringBuilder();
        void Line(FormattableString line) => text.Append(FormattableString.Invariant(line)).Append('\n');
        Line($"stateDiagram-v2");
        foreach (var step in plan)
        {
            var compensation = step.CompensationType is null ? string.Empty : $", undone by {step.CompensationType.Name}";
            Line($"    {step.Name}: {step.Name}\\n{step.Kind.ToString().ToLowerInvariant()}, sends {step.CommandType.Name}{compensation}\\ndeadline {Seconds(step.Options.Deadline)}, {step.Options.Retry.MaxAttempts} attempt(s)");
        }

        foreach (var step in compensatable)
        {
            Line($"    Undo{step.Name}: Undo {step.Name}\\nsends {step.CompensationType!.Name}, retried until it succeeds");
        }

        var first = sequential.Count > 0 ? sequential[0].Name : "fork_retriable";
        Line($"    [*] --> {first}: {(starts.Count > 0 ? string.Join(" / ", starts) : "start")}");
        var afterSequential = retriable.Count > 0 ? "fork_retriable" : "Completed";
        for (var i = 0; i < sequential.Count; i++)
        {
            var step = sequential[i];
            var next = i + 1 < sequential.Count ? sequential[i + 1].Name : afterSequential;
            var undoBefore = LastCompensatableBefore(compensatable, plan, step);
            Line($"    {step.Name} --> {next}: completed");
            Line($"    {step.Name} --> {(undoBefore is null ? "Rejected" : "Undo" + undoBefore)}: failed");
            if (step.Kind == StepKind.Compensatable)
            {
                Line($"    {step.Name} --> Undo{step.Name}: no reply after its retries (in doubt)");
            }
            else
            {
                Line($"    {step.Name} --> Faulted: still in doubt after retries");
            }
        }

        if (retriable.Count > 0)
        {
            Line($"    state fork_retriable <<fork>>");
            Line($"    state join_retriable <<join>>");
            foreach (var step in retriable)
            {
                Line($"    fork_retriable --> {step.Name}");
                Line($"    {step.Name} --> join_retriable: completed");
                Line($"    {step.Name} --> Faulted: retry budget spent");
            }

            Line($"    join_retriable --> Completed");
        }

        for (var i = compensatable.Count - 1; i >= 0; i--)
        {
            Line($"    Undo{compensatable[i].Name} --> {(i > 0 ? "Undo" + compensatable[i - 1].Name : "Compensated")}: compensated");
        }

        Line($"    note right of Faulted: parked with its reason;\\nResumeSaga retries what failed");
        foreach (var terminal in new[] { "Completed", "Rejected", "Compensated" })
        {
            Line($"    {terminal} --> [*]");
        }

        return text.ToString();
    }

    /// <summary>A Markdown page holding the diagram, as committed to <c>docs/</c>.</summary>
    public static string ToMermaidDocument<TState>(StepSagaStateMachine<TState> machine, string title)
        where TState : StepSagaState, new()
        => $"# {title}\n\n<!-- Generated from the saga's step plan; do not edit. Regenerate with: dotnet run --project samples/Checkout -- --diagram docs/checkout-saga.md -->\n\n```mermaid\n{ToMermaid(machine)}```\n";

    private static string? LastCompensatableBefore<TState>(List<StepDefinition<TState>> compensatable, IReadOnlyList<StepDefinition<TState>> plan, StepDefinition<TState> step)
        where TState : StepSagaState
    {
        var index = plan.ToList().IndexOf(step);
        return compensatable.LastOrDefault(c => plan.ToList().IndexOf(c) < index)?.Name;
    }

    private static string Seconds(TimeSpan value) => $"{value.TotalSeconds:0.###} s";
}
