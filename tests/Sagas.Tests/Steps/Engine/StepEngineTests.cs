using Sagas.Steps;
using Sagas.Steps.Engine;
using Sagas.Tests.Shipping;

namespace Sagas.Tests.Steps.Engine;

/// <summary>
/// The step engine's decisions as a table: each step kind × each outcome × each budget state, from the saga's state, one
/// input and the time to the new state and effects. No bus, no store, no clock but the one given.
/// </summary>
public sealed class StepEngineTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public enum Outcome
    {
        BusinessFailure,
        TransientFailure,
        Unavailable,
        TimedOut,
    }

    /// <summary>Step, outcome, whether its budget is spent → the state the saga moves to (null: stays), the step's status, the commands sent.</summary>
    public static TheoryData<string, Outcome, bool, string?, StepStatus, string[]> Table => new()
    {
        // The first compensatable step: nothing before it to undo.
        { "ReserveSlot", Outcome.BusinessFailure, false, "Rejected", StepStatus.Failed, [] },
        { "ReserveSlot", Outcome.TransientFailure, false, null, StepStatus.WaitingRetry, [] },
        { "ReserveSlot", Outcome.TransientFailure, true, "Rejected", StepStatus.Failed, [] },
        { "ReserveSlot", Outcome.Unavailable, false, null, StepStatus.WaitingRetry, [] },
        { "ReserveSlot", Outcome.Unavailable, true, "Compensating", StepStatus.Compensating, ["ReleaseSlot"] }, // in doubt: undone too
        { "ReserveSlot", Outcome.TimedOut, false, null, StepStatus.WaitingRetry, [] },
        { "ReserveSlot", Outcome.TimedOut, true, "Compensating", StepStatus.Compensating, ["ReleaseSlot"] },

        // The pivot, after ReserveSlot completed.
        { "BookCarrier", Outcome.BusinessFailure, false, "Compensating", StepStatus.Failed, ["ReleaseSlot"] },
        { "BookCarrier", Outcome.TransientFailure, false, null, StepStatus.WaitingRetry, [] },
        { "BookCarrier", Outcome.TransientFailure, true, "Compensating", StepStatus.Failed, ["ReleaseSlot"] },
        { "BookCarrier", Outcome.Unavailable, false, null, StepStatus.WaitingRetry, [] },
        { "BookCarrier", Outcome.Unavailable, true, "Faulted", StepStatus.Failed, [] }, // in doubt: cannot be undone
        { "BookCarrier", Outcome.TimedOut, false, null, StepStatus.WaitingRetry, [] },
        { "BookCarrier", Outcome.TimedOut, true, "Faulted", StepStatus.Failed, [] },

        // A retriable step, after the pivot.
        { "NotifyCustomer", Outcome.BusinessFailure, false, "Faulted", StepStatus.Failed, [] },
        { "NotifyCustomer", Outcome.TransientFailure, false, null, StepStatus.WaitingRetry, [] },
        { "NotifyCustomer", Outcome.TransientFailure, true, "Faulted", StepStatus.Failed, [] },
        { "NotifyCustomer", Outcome.Unavailable, false, null, StepStatus.WaitingRetry, [] },
        { "NotifyCustomer", Outcome.Unavailable, true, "Faulted", StepStatus.Failed, [] },
        { "NotifyCustomer", Outcome.TimedOut, false, null, StepStatus.WaitingRetry, [] },
        { "NotifyCustomer", Outcome.TimedOut, true, "Faulted", StepStatus.Failed, [] },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void A_step_attempt_that_fails(string stepName, Outcome outcome, bool budgetSpent, string? target, StepStatus status, string[] commands)
    {
        var (engine, state) = Running(stepName);
        var progress = state.Steps.Single(p => p.Name == stepName);
        if (budgetSpent)
        {
            SpendBudget(progress, outcome);
        }

        var transition = Fail(engine, state, progress, outcome, compensation: false);

        Assert.Equal(target, transition.TargetState);
        Assert.Equal(status, progress.Status);
        Assert.Equal(commands, transition.Commands.Select(c => c.Message.GetType().Name));
        Assert.Equal(status == StepStatus.WaitingRetry ? 1 : commands.Length, transition.Timers.Count); // a retry, or each command's deadline
        Assert.Equal(outcome == Outcome.TimedOut ? 0 : 1, transition.CancelledTimers.Count); // a reply withdraws the deadline; a fired one is gone
        Assert.Equal(target is "Rejected" or "Faulted" or "Completed" or "Compensated" ? null : state.Steps.Where(p => p.TimerId is not null).Min(p => p.DueAt), state.WakeAt);
    }

    [Theory]
    [InlineData(Outcome.BusinessFailure, "Faulted", StepStatus.CompensationFailed)]
    [InlineData(Outcome.TransientFailure, null, StepStatus.CompensationWaitingRetry)]
    [InlineData(Outcome.Unavailable, null, StepStatus.CompensationWaitingRetry)]
    [InlineData(Outcome.TimedOut, null, StepStatus.CompensationWaitingRetry)]
    public void A_compensation_attempt_that_fails_is_retried_without_limit_unless_it_is_refused(Outcome outcome, string? target, StepStatus status)
    {
        var (engine, state) = Running("BookCarrier");
        engine.Failed(state, new StepFailed(state.CorrelationId, "BookCarrier", 1, false, "no carrier", Permanent: true), Now);
        state.CurrentState = "Compensating"; // as the adapter's transition would have set it
        var release = state.Steps.Single(p => p.Name == "ReserveSlot");
        release.Attempt = 1_000; // far past any finite budget

        var transition = Fail(engine, state, release, outcome, compensation: true);

        Assert.Equal(target, transition.TargetState);
        Assert.Equal(status, release.Status);
    }

    [Fact]
    public void The_last_completion_ends_the_saga_and_nothing_is_left_to_wake_it()
    {
        var (engine, state) = Running("NotifyCustomer");

        var transition = engine.Completed(state, new StepCompleted(state.CorrelationId, "NotifyCustomer", 1, false), System.Text.Json.JsonSerializerOptions.Default, Now);

        Assert.Equal("Completed", transition.TargetState);
        Assert.Equal(Now, state.EndedAt);
        Assert.Null(state.WakeAt);
        Assert.Equal(StepHistoryKind.Completed, state.History[^1].Kind);
        Assert.Equal(StepHistoryEntry.Saga, state.History[^1].Step);
    }

    [Fact]
    public void A_reply_of_an_attempt_that_is_no_longer_current_changes_nothing_but_the_history()
    {
        var (engine, state) = Running("BookCarrier");
        var before = System.Text.Json.JsonSerializer.Serialize(state.Steps);

        var transition = engine.Completed(state, new StepCompleted(state.CorrelationId, "BookCarrier", 7, false), System.Text.Json.JsonSerializerOptions.Default, Now);

        Assert.Null(transition.TargetState);
        Assert.Empty(transition.Commands);
        Assert.Empty(transition.CancelledTimers);
        Assert.Equal(before, System.Text.Json.JsonSerializer.Serialize(state.Steps));
        Assert.Equal(StepHistoryKind.IgnoredStaleReply, state.History[^1].Kind);
    }

    [Fact]
    public void A_late_reply_still_records_where_its_attempt_ran_before_it_is_ignored()
    {
        // An attempt that outlived its deadline on one host while the next ran on another: both placements are history.
        var (engine, state) = Running("BookCarrier");

        engine.Completed(state, new StepCompleted(state.CorrelationId, "BookCarrier", 7, false), System.Text.Json.JsonSerializerOptions.Default, Now, placement: "primary: 0 in flight");
        engine.Failed(state, new StepFailed(state.CorrelationId, "BookCarrier", 6, false, "carrier down", Permanent: false), Now, placement: "overflow: 4 in flight, at most 4");

        Assert.Equal(
            [
                new StepHistoryEntry(Now, "BookCarrier", StepHistoryKind.Placed, 7, "primary: 0 in flight"),
                new StepHistoryEntry(Now, "BookCarrier", StepHistoryKind.IgnoredStaleReply, 7, "completed"),
                new StepHistoryEntry(Now, "BookCarrier", StepHistoryKind.Placed, 6, "overflow: 4 in flight, at most 4"),
                new StepHistoryEntry(Now, "BookCarrier", StepHistoryKind.IgnoredStaleReply, 6, "carrier down"),
            ],
            state.History[^4..]);
    }

    [Fact]
    public void A_resume_of_a_faulted_saga_runs_the_failed_step_again_with_a_new_budget()
    {
        var (engine, state) = Running("NotifyCustomer");
        var progress = state.Steps.Single(p => p.Name == "NotifyCustomer");
        engine.Failed(state, new StepFailed(state.CorrelationId, "NotifyCustomer", 1, false, "mailbox gone", Permanent: true), Now);
        state.CurrentState = "Faulted";

        var transition = engine.Resume(state, new ResumeSaga(state.CorrelationId, "mailbox back"), Now);

        Assert.Equal("Executing", transition.TargetState);
        Assert.Equal(["NotifyCustomer"], transition.Commands.Select(c => c.Message.GetType().Name));
        Assert.Equal(2, progress.BudgetStart);
        Assert.Equal(StepStatus.Running, progress.Status);
        Assert.Null(state.Reason);
    }

    [Fact]
    public void A_resume_of_a_saga_parked_during_compensation_carries_on_with_the_compensation_and_not_the_failed_step()
    {
        var (engine, state) = Running("BookCarrier");
        engine.Failed(state, new StepFailed(state.CorrelationId, "BookCarrier", 1, false, "no carrier", Permanent: true), Now);
        state.CurrentState = "Compensating";
        var reserve = state.Steps.Single(p => p.Name == "ReserveSlot");
        Assert.Equal("Faulted", engine.Failed(state, new StepFailed(state.CorrelationId, "ReserveSlot", reserve.Attempt, true, "slot locked", Permanent: true), Now).TargetState);
        state.CurrentState = "Faulted";
        var book = state.Steps.Single(p => p.Name == "BookCarrier");
        Assert.Equal(StepStatus.Failed, book.Status); // the failure that started the compensation

        var transition = engine.Resume(state, new ResumeSaga(state.CorrelationId, "slot unlocked"), Now);

        Assert.Equal("Compensating", transition.TargetState);
        var command = Assert.Single(transition.Commands);
        Assert.Equal("ReleaseSlot", command.Message.GetType().Name);
        Assert.True(command.Compensation);
        Assert.Equal(StepStatus.Compensating, reserve.Status);
        Assert.Equal(reserve.Attempt, reserve.BudgetStart);
        Assert.Equal(StepStatus.Failed, book.Status); // not asked again: what follows is undone, not redone
        Assert.Equal(["ReserveSlot"], state.CompensationLog);
    }

    [Fact]
    public void A_resume_of_a_saga_that_is_not_faulted_is_only_recorded()
    {
        var (engine, state) = Running("BookCarrier");

        var transition = engine.Resume(state, new ResumeSaga(state.CorrelationId, "by mistake"), Now);

        Assert.Null(transition.TargetState);
        Assert.Empty(transition.Commands);
        Assert.Equal(StepHistoryKind.ResumeIgnored, state.History[^1].Kind);
    }

    [Fact]
    public void A_compensation_order_before_the_pivot_withdraws_the_running_attempt_and_undoes_it_as_in_doubt()
    {
        var (engine, state) = Running("ReserveSlot");
        var reserve = state.Steps.Single(p => p.Name == "ReserveSlot");
        var deadline = reserve.TimerId;

        var transition = engine.Compensate(state, new CompensateSaga(state.CorrelationId, "ops: customer cancelled by phone"), Now);

        Assert.Equal("Compensating", transition.TargetState);
        Assert.Equal(["ReleaseSlot"], transition.Commands.Select(c => c.Message.GetType().Name));
        Assert.True(transition.Commands.Single().Compensation);
        Assert.Equal([deadline!.Value], transition.CancelledTimers);
        Assert.Equal(StepStatus.Compensating, reserve.Status);
        Assert.Equal("compensation ordered: ops: customer cancelled by phone", state.Reason);
        Assert.Contains(state.History, h => h.Kind == StepHistoryKind.CompensationOrdered && h.Reason == "ops: customer cancelled by phone");
    }

    [Fact]
    public void A_compensation_order_with_nothing_done_ends_the_saga_compensated_at_once()
    {
        var (engine, state) = Running("ReserveSlot");
        var reserve = state.Steps.Single(p => p.Name == "ReserveSlot");
        Fail(engine, state, reserve, Outcome.TransientFailure, compensation: false); // answered: nothing was reserved
        Assert.Equal(StepStatus.WaitingRetry, reserve.Status);

        var transition = engine.Compensate(state, new CompensateSaga(state.CorrelationId, "duplicate order"), Now);

        Assert.Equal("Compensated", transition.TargetState);
        Assert.Empty(transition.Commands);
        Assert.Single(transition.CancelledTimers); // the retry timer
        Assert.Null(state.WakeAt);
        Assert.Equal(Now, state.EndedAt);
        Assert.Equal(StepStatus.Failed, reserve.Status);
    }

    [Theory]
    [InlineData("BookCarrier", "Executing", "BookCarrier (Pivot) has started")]
    [InlineData("NotifyCustomer", "Executing", "BookCarrier (Pivot) has started")]
    [InlineData("ReserveSlot", "Faulted", "the saga is Faulted, not Executing")]
    [InlineData("ReserveSlot", "Compensating", "the saga is Compensating, not Executing")]
    public void A_compensation_order_past_the_pivot_or_outside_Executing_is_only_recorded(string running, string currentState, string why)
    {
        var (engine, state) = Running(running);
        state.CurrentState = currentState;
        var before = System.Text.Json.JsonSerializer.Serialize(state.Steps);

        var transition = engine.Compensate(state, new CompensateSaga(state.CorrelationId, "too late"), Now);

        Assert.Null(transition.TargetState);
        Assert.Empty(transition.Commands);
        Assert.Empty(transition.CancelledTimers);
        Assert.Equal(before, System.Text.Json.JsonSerializer.Serialize(state.Steps));
        Assert.Equal(StepHistoryKind.CompensationOrderIgnored, state.History[^1].Kind);
        Assert.Contains(why, state.History[^1].Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, "BookCarrier")]
    [InlineData(true, "ReleaseSlot")]
    public void A_retry_now_asks_a_waiting_step_or_compensation_at_once_and_withdraws_its_backoff(bool compensation, string command)
    {
        var (engine, state) = Running("BookCarrier");
        var step = state.Steps.Single(p => p.Name == "BookCarrier");
        if (compensation)
        {
            engine.Failed(state, new StepFailed(state.CorrelationId, "BookCarrier", 1, false, "no carrier", Permanent: true), Now);
            state.CurrentState = "Compensating";
            step = state.Steps.Single(p => p.Name == "ReserveSlot");
        }

        Fail(engine, state, step, Outcome.TransientFailure, compensation);
        var backoff = step.TimerId;
        var attempt = step.Attempt;

        var transition = engine.RetryNow(state, new RetryStepNow(state.CorrelationId, step.Name, "ops: carrier API fixed"), Now);

        Assert.Null(transition.TargetState);
        Assert.Equal([command], transition.Commands.Select(c => c.Message.GetType().Name));
        Assert.Equal(attempt + 1, transition.Commands.Single().Attempt);
        Assert.Equal([backoff!.Value], transition.CancelledTimers);
        Assert.Equal(compensation ? StepStatus.Compensating : StepStatus.Running, step.Status);
        Assert.Contains(state.History, h => h.Kind == StepHistoryKind.RetriedNow && h.Step == step.Name && h.Reason == "ops: carrier API fixed");
    }

    [Theory]
    [InlineData("BookCarrier", "BookCarrier is Running, not waiting for a retry")]
    [InlineData("ReserveSlot", "ReserveSlot is Completed, not waiting for a retry")]
    [InlineData("NoSuchStep", "NoSuchStep is not a step of this saga, not waiting for a retry")]
    public void A_retry_now_of_a_step_that_is_not_waiting_is_only_recorded(string stepName, string why)
    {
        var (engine, state) = Running("BookCarrier");

        var transition = engine.RetryNow(state, new RetryStepNow(state.CorrelationId, stepName, "impatient"), Now);

        Assert.Empty(transition.Commands);
        Assert.Empty(transition.CancelledTimers);
        Assert.Equal(StepHistoryKind.RetryNowIgnored, state.History[^1].Kind);
        Assert.Equal($"impatient: {why}", state.History[^1].Reason);
    }

    [Fact]
    public void The_current_step_follows_the_saga_to_the_step_it_waits_on_or_stopped_at()
    {
        var (engine, state) = Running("ReserveSlot");
        Assert.Equal("ReserveSlot", state.CurrentStep);

        engine.Completed(state, new StepCompleted(state.CorrelationId, "ReserveSlot", 1, false), System.Text.Json.JsonSerializerOptions.Default, Now);
        Assert.Equal("BookCarrier", state.CurrentStep);

        engine.Failed(state, new StepFailed(state.CorrelationId, "BookCarrier", 1, false, "busy", Permanent: false), Now);
        Assert.Equal("BookCarrier", state.CurrentStep); // waiting for its retry

        engine.Failed(state, new StepFailed(state.CorrelationId, "BookCarrier", 1, false, "no carrier", Permanent: true), Now);
        Assert.Equal("BookCarrier", state.CurrentStep); // stale: the attempt is no longer current, nothing moved
        engine.TimerElapsed(state, new StepTimerElapsed(state.CorrelationId, "BookCarrier", 1, false, StepTimerElapsed.Retry), Now);
        engine.Failed(state, new StepFailed(state.CorrelationId, "BookCarrier", 2, false, "no carrier", Permanent: true), Now);
        state.CurrentState = "Compensating";
        Assert.Equal("ReserveSlot", state.CurrentStep); // being compensated

        engine.Completed(state, new StepCompleted(state.CorrelationId, "ReserveSlot", 1, true), System.Text.Json.JsonSerializerOptions.Default, Now);
        Assert.Equal("BookCarrier", state.CurrentStep); // Compensated: the step whose failure ended it
    }

    [Fact]
    public void A_saga_that_completes_has_no_current_step()
    {
        var (engine, state) = Running("NotifyCustomer");

        engine.Completed(state, new StepCompleted(state.CorrelationId, "NotifyCustomer", 1, false), System.Text.Json.JsonSerializerOptions.Default, Now);

        Assert.Null(state.CurrentStep);
    }

    /// <summary>A fresh saga, driven until <paramref name="stepName"/> runs its first attempt.</summary>
    private static (StepEngine<ShipmentState> Engine, ShipmentState State) Running(string stepName)
    {
        var engine = new StepEngine<ShipmentState>(new ShipmentSaga().Plan, Guid.NewGuid);
        var state = new ShipmentState { CorrelationId = Guid.NewGuid() };
        Assert.Equal("Executing", engine.Begin(state, Now).TargetState);
        state.CurrentState = "Executing";
        foreach (var before in new[] { "ReserveSlot", "BookCarrier" }.TakeWhile(s => s != stepName))
        {
            engine.Completed(state, new StepCompleted(state.CorrelationId, before, 1, false), System.Text.Json.JsonSerializerOptions.Default, Now);
        }

        Assert.Equal(StepStatus.Running, state.Steps.Single(p => p.Name == stepName).Status);
        return (engine, state);
    }

    private static void SpendBudget(StepProgress progress, Outcome outcome)
    {
        if (outcome == Outcome.Unavailable)
        {
            progress.OutageSince = Now - ShipmentSaga.OutageBudget;
        }
        else
        {
            progress.Attempt = ShipmentSaga.Retry.MaxAttempts; // the last attempt of the budget
        }
    }

    private static StepTransition Fail(StepEngine<ShipmentState> engine, ShipmentState state, StepProgress progress, Outcome outcome, bool compensation)
    {
        var id = state.CorrelationId;
        return outcome switch
        {
            Outcome.BusinessFailure => engine.Failed(state, new StepFailed(id, progress.Name, progress.Attempt, compensation, "refused", Permanent: true), Now),
            Outcome.TransientFailure => engine.Failed(state, new StepFailed(id, progress.Name, progress.Attempt, compensation, "busy", Permanent: false), Now),
            Outcome.Unavailable => engine.Failed(state, new StepFailed(id, progress.Name, progress.Attempt, compensation, "refused connection", Permanent: false, Unavailable: true), Now),
            _ => engine.TimerElapsed(state, new StepTimerElapsed(id, progress.Name, progress.Attempt, compensation, StepTimerElapsed.Deadline), Now),
        };
    }
}
