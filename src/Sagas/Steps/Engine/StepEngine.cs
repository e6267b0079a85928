using System.Globalization;
using System.Text.Json;

namespace Sagas.Steps.Engine;

/// <summary>
/// The decisions of a step saga, without a bus: given the saga's state, one input (the start, a reply, a timer, a resume)
/// and the time, it changes the state (steps' progress, compensation log, history, wake time) and says what to send, which
/// timers to set and withdraw, and which state to move to (<see cref="StepTransition"/>). It never sets
/// <see cref="StepSagaState.CurrentState"/>: the adapter moves the saga through MassTransit's own transition.
/// </summary>
/// <remarks>
/// The rules, by step kind and outcome, are in docs/concepts.md (failures by step kind): a business failure is final;
/// a handler's transient failure and a missed deadline spend an attempt of <see cref="StepOptions.Retry"/> (a missed
/// deadline asks again, with the same idempotency key); an unavailable host spends none and is bounded by
/// <see cref="StepOptions.OutageBudget"/>; spent budgets compensate (compensatable, pivot answered), or park the saga
/// (retriable, pivot in doubt, compensation).
/// </remarks>
/// <typeparam name="TState">The saga state.</typeparam>
/// <param name="plan">The steps, in order.</param>
/// <param name="newId">Ids of new timers.</param>
internal sealed class StepEngine<TState>(IReadOnlyList<StepDefinition<TState>> plan, Func<Guid> newId)
    where TState : StepSagaState
{
    private readonly IReadOnlyList<StepDefinition<TState>> _plan = plan;
    private readonly Func<Guid> _newId = newId;

    /// <summary>Starts the plan: records the steps and requests the first one (or the retriable group).</summary>
    public StepTransition Begin(TState state, DateTimeOffset now)
    {
        var run = new Run(this, state, now);
        state.StartedAt = now;
        state.Steps = [.. _plan.Select(s => new StepProgress { Name = s.Name, Status = StepStatus.Pending })];
        state.CompensationLog = [];
        run.Record(StepHistoryEntry.Saga, StepHistoryKind.Started, 0);
        run.MoveTo(StepSagaStates.Executing);
        run.StartNext();
        return run.Done();
    }

    /// <summary>A step or its compensation replied with success; <paramref name="placement"/> says where it ran, when its step can overflow.</summary>
    public StepTransition Completed(TState state, StepCompleted reply, JsonSerializerOptions json, DateTimeOffset now, string? placement = null)
    {
        var run = new Run(this, state, now);
        if (!run.TryGetCurrent(reply.Step, reply.Attempt, reply.Compensation, out var step, out var progress))
        {
            run.RecordPlacement(reply.Step, reply.Attempt, placement);
            run.Record(reply.Step, StepHistoryKind.IgnoredStaleReply, reply.Attempt, reply.Compensation ? "compensation completed" : "completed");
            return run.Done();
        }

        run.RecordPlacement(step.Name, reply.Attempt, placement);
        run.CancelTimer(progress);
        if (reply.Compensation)
        {
            progress.Status = StepStatus.Compensated;
            state.CompensationLog.RemoveAt(state.CompensationLog.Count - 1);
            run.Record(step.Name, StepHistoryKind.Compensated, reply.Attempt);
            run.CompensateNext();
            return run.Done();
        }

        progress.Status = StepStatus.Completed;
        progress.LastError = null;
        step.OnCompleted?.Invoke(state, reply.Result, json);
        if (step.Kind == StepKind.Compensatable)
        {
            state.CompensationLog.Add(step.Name);
        }

        run.Record(step.Name, StepHistoryKind.Completed, reply.Attempt);
        run.StartNext();
        return run.Done();
    }

    /// <summary>A step or its compensation replied with a failure; <paramref name="placement"/> says where it ran, when its step can overflow.</summary>
    public StepTransition Failed(TState state, StepFailed reply, DateTimeOffset now, string? placement = null)
    {
        var run = new Run(this, state, now);
        if (!run.TryGetCurrent(reply.Step, reply.Attempt, reply.Compensation, out var step, out var progress))
        {
            run.RecordPlacement(reply.Step, reply.Attempt, placement);
            run.Record(reply.Step, StepHistoryKind.IgnoredStaleReply, reply.Attempt, reply.Reason);
            return run.Done();
        }

        run.RecordPlacement(step.Name, reply.Attempt, placement);
        run.CancelTimer(progress);
        progress.LastError = reply.Reason;
        var kind = (reply.Compensation, reply.Unavailable) switch
        {
            (false, false) => StepHistoryKind.Failed,
            (false, true) => StepHistoryKind.Unavailable,
            (true, false) => StepHistoryKind.CompensationFailed,
            (true, true) => StepHistoryKind.CompensationUnavailable,
        };
        run.Record(step.Name, kind, reply.Attempt, reply.Reason);
        run.HandleFailure(step, progress, reply.Unavailable && !reply.Permanent
            ? AttemptFailure.Unavailable(reply.Compensation, reply.Reason, Milliseconds(reply.RetryAfterMs), Milliseconds(reply.OutageBudgetMs))
            : AttemptFailure.Answered(reply.Compensation, reply.Reason, reply.Permanent));
        return run.Done();
    }

    /// <summary>A deadline or retry timer fired; one that lost the race against a reply changes nothing.</summary>
    public StepTransition TimerElapsed(TState state, StepTimerElapsed timer, DateTimeOffset now)
    {
        var run = new Run(this, state, now);
        var expected = timer.Kind == StepTimerElapsed.Retry
            ? (timer.Compensation ? StepStatus.CompensationWaitingRetry : StepStatus.WaitingRetry)
            : (timer.Compensation ? StepStatus.Compensating : StepStatus.Running);
        var step = _plan.FirstOrDefault(s => s.Name == timer.Step);
        var progress = state.Steps.FirstOrDefault(p => p.Name == timer.Step);
        if (step is null || progress is null || progress.Status != expected || progress.Attempt != timer.Attempt)
        {
            return run.Done(); // a timer that lost the race against a reply
        }

        progress.TimerId = null;
        progress.DueAt = null;
        if (timer.Kind == StepTimerElapsed.Retry)
        {
            progress.Attempt++;
            run.Request(step, progress, timer.Compensation);
            return run.Done();
        }

        var reason = string.Create(CultureInfo.InvariantCulture, $"no reply within the deadline of {step.Options.Deadline.TotalSeconds:0.###} s");
        progress.LastError = reason;
        run.Record(step.Name, timer.Compensation ? StepHistoryKind.CompensationTimedOut : StepHistoryKind.TimedOut, timer.Attempt, reason);
        run.HandleFailure(step, progress, AttemptFailure.TimedOut(timer.Compensation, reason));
        return run.Done();
    }

    /// <summary>
    /// An operator resumed the saga: a Faulted one runs its failed steps again with new budgets (or carries on with the
    /// compensation that was parked); any other is left alone, with a line in its history.
    /// </summary>
    public StepTransition Resume(TState state, ResumeSaga resume, DateTimeOffset now)
    {
        var run = new Run(this, state, now);
        if (state.CurrentState != StepSagaStates.Faulted)
        {
            run.Record(StepHistoryEntry.Saga, StepHistoryKind.ResumeIgnored, 0, $"{resume.Note}: the saga is {state.CurrentState}, not Faulted");
            return run.Done();
        }

        run.Record(StepHistoryEntry.Saga, StepHistoryKind.Resumed, 0, resume.Note);
        state.Reason = null;
        state.EndedAt = null;
        // A saga parked during compensation resumes its compensation; otherwise the failed steps run again.
        var compensating = state.Steps.Any(p => p.Status == StepStatus.CompensationFailed);
        run.MoveTo(compensating ? StepSagaStates.Compensating : StepSagaStates.Executing);
        var parked = compensating ? StepStatus.CompensationFailed : StepStatus.Failed;
        foreach (var progress in state.Steps.Where(p => p.Status == parked))
        {
            progress.Attempt++;
            StartBudget(progress, progress.Attempt);
            run.Request(_plan.First(s => s.Name == progress.Name), progress, compensating);
        }

        return run.Done();
    }

    /// <summary>
    /// An operator ordered the saga compensated: while it is Executing and only compensatable steps have started, the
    /// running and waiting attempts are withdrawn (a running one may have happened, so it is undone too), the completed
    /// compensatable steps are compensated in reverse order and the saga ends Compensated. Past the pivot, or in any other
    /// state, the order is only recorded.
    /// </summary>
    public StepTransition Compensate(TState state, CompensateSaga order, DateTimeOffset now)
    {
        var run = new Run(this, state, now);
        var started = _plan.FirstOrDefault(s => s.Kind != StepKind.Compensatable && state.Steps.First(p => p.Name == s.Name).Status != StepStatus.Pending);
        var refusal = state.CurrentState != StepSagaStates.Executing ? $"the saga is {state.CurrentState}, not Executing"
            : started is not null ? $"{started.Name} ({started.Kind}) has started: what follows the pivot cannot be undone"
            : null;
        if (refusal is not null)
        {
            run.Record(StepHistoryEntry.Saga, StepHistoryKind.CompensationOrderIgnored, 0, $"{order.Note}: {refusal}");
            return run.Done();
        }

        run.Record(StepHistoryEntry.Saga, StepHistoryKind.CompensationOrdered, 0, order.Note);
        foreach (var progress in state.Steps.Where(p => p.Status is StepStatus.Running or StepStatus.WaitingRetry))
        {
            run.CancelTimer(progress);
            if (progress.Status == StepStatus.Running || progress.InDoubt)
            {
                state.CompensationLog.Add(progress.Name); // its command may have run: compensations tolerate "nothing to undo"
            }

            progress.Status = StepStatus.Failed;
            progress.LastError = "withdrawn: compensation ordered";
        }

        run.Abort(string.IsNullOrWhiteSpace(order.Note) ? "compensation ordered" : $"compensation ordered: {order.Note}");
        return run.Done();
    }

    /// <summary>
    /// An operator asked for a step's next attempt now: a step (or compensation) waiting for its retry is asked at once, its
    /// backoff timer withdrawn; any other is left alone, with a line in the history.
    /// </summary>
    public StepTransition RetryNow(TState state, RetryStepNow order, DateTimeOffset now)
    {
        var run = new Run(this, state, now);
        var step = _plan.FirstOrDefault(s => s.Name == order.Step);
        var progress = state.Steps.FirstOrDefault(p => p.Name == order.Step);
        if (step is null || progress is null || progress.Status is not (StepStatus.WaitingRetry or StepStatus.CompensationWaitingRetry))
        {
            var what = progress is null ? "not a step of this saga" : $"{progress.Status}";
            run.Record(order.Step, StepHistoryKind.RetryNowIgnored, progress?.Attempt ?? 0, $"{order.Note}: {order.Step} is {what}, not waiting for a retry");
            return run.Done();
        }

        var compensation = progress.Status == StepStatus.CompensationWaitingRetry;
        run.CancelTimer(progress);
        run.Record(step.Name, StepHistoryKind.RetriedNow, progress.Attempt, order.Note);
        progress.Attempt++;
        run.Request(step, progress, compensation);
        return run.Done();
    }

    /// <summary>An event the saga does not accept in its state: handled before under another delivery, so a duplicate.</summary>
    public StepTransition Ignore(TState state, string eventName, DateTimeOffset now)
    {
        var run = new Run(this, state, now);
        run.Record(StepHistoryEntry.Saga, StepHistoryKind.IgnoredEvent, 0, $"{eventName} is not accepted in state {state.CurrentState}: taken as a duplicate");
        return run.Done();
    }

    private static TimeSpan? Milliseconds(long? ms) => ms is { } value ? TimeSpan.FromMilliseconds(value) : null;

    private static void StartBudget(StepProgress progress, int firstAttempt)
    {
        progress.BudgetStart = firstAttempt;
        progress.OutageAttempts = 0;
        progress.OutageSince = null;
    }

    private static string Describe(int attempts) => attempts == int.MaxValue ? "unlimited" : attempts.ToString(CultureInfo.InvariantCulture);

    /// <summary>One input being decided: the state, the time, the effects so far and the state the saga is moving to.</summary>
    private sealed class Run(StepEngine<TState> engine, TState state, DateTimeOffset now)
    {
        private readonly StepTransition _transition = new();
        private string _current = state.CurrentState;

        public void MoveTo(string target) => _current = target;

        public StepTransition Done()
        {
            _transition.TargetState = _current == state.CurrentState ? null : _current;
            state.WakeAt = StepSagaStates.IsRunning(_current)
                ? state.Steps.Where(p => p.TimerId is not null).Min(p => p.DueAt)
                : null;
            state.CurrentStep = (state.Steps.FirstOrDefault(p => p.Status is StepStatus.Compensating or StepStatus.CompensationWaitingRetry or StepStatus.CompensationFailed)
                ?? state.Steps.FirstOrDefault(p => p.Status is StepStatus.Running or StepStatus.WaitingRetry)
                ?? state.Steps.FirstOrDefault(p => p.Status == StepStatus.Failed))?.Name;
            return _transition;
        }

        public void Record(string step, StepHistoryKind kind, int attempt, string? reason = null)
            => state.History.Add(new StepHistoryEntry(now, step, kind, attempt, reason));

        /// <summary>Where an attempt ran, before its outcome, when its executor placed it (a step that can overflow).</summary>
        public void RecordPlacement(string step, int attempt, string? placement)
        {
            if (placement is not null)
            {
                Record(step, StepHistoryKind.Placed, attempt, placement);
            }
        }

        public bool TryGetCurrent(string name, int attempt, bool compensation, out StepDefinition<TState> step, out StepProgress progress)
        {
            step = engine._plan.FirstOrDefault(s => s.Name == name)!;
            progress = state.Steps.FirstOrDefault(p => p.Name == name)!;
            var expected = compensation ? StepStatus.Compensating : StepStatus.Running;
            return step is not null && progress is not null && progress.Status == expected && progress.Attempt == attempt;
        }

        public void StartNext()
        {
            var next = state.Steps.FindIndex(p => p.Status != StepStatus.Completed);
            if (next < 0)
            {
                End(StepSagaStates.Completed, StepHistoryKind.Completed, null);
                return;
            }

            if (state.Steps[next].Status != StepStatus.Pending)
            {
                return; // a retriable sibling is still running
            }

            var group = engine._plan[next].Kind == StepKind.Retriable ? engine._plan.Skip(next).ToList() : [engine._plan[next]];
            foreach (var step in group)
            {
                var progress = state.Steps.First(p => p.Name == step.Name);
                progress.Attempt = 1;
                StartBudget(progress, 1);
                progress.InDoubt = false;
                Request(step, progress, compensation: false);
            }
        }

        public void Request(StepDefinition<TState> step, StepProgress progress, bool compensation)
        {
            var command = compensation ? step.CreateCompensation!(state) : step.CreateCommand(state);
            progress.Status = compensation ? StepStatus.Compensating : StepStatus.Running;
            progress.TimerId = Schedule(step, progress, compensation, StepTimerElapsed.Deadline, step.Options.Deadline);
            Record(step.Name, compensation ? StepHistoryKind.CompensationRequested : StepHistoryKind.Requested, progress.Attempt);
            _transition.Commands.Add(new StepCommand(step.Name, progress.Attempt, compensation, command));
        }

        public void CancelTimer(StepProgress progress)
        {
            if (progress.TimerId is { } timer)
            {
                _transition.CancelledTimers.Add(timer);
                progress.TimerId = null;
                progress.DueAt = null;
            }
        }

        public void HandleFailure(StepDefinition<TState> step, StepProgress progress, AttemptFailure failure)
        {
            var compensation = failure.Compensation;
            if (!compensation)
            {
                // A missed deadline or an unanswered call may have run the step. An answer from the handler settles it: the
                // handler is idempotent per key, so a business failure means the step did not happen.
                progress.InDoubt = !failure.Permanent && (progress.InDoubt || failure.InDoubt);
            }

            var inDoubt = !compensation && progress.InDoubt;
            var retry = compensation ? step.Options.CompensationRetry : step.Options.Retry;
            var reason = failure.Reason;
            var budgetSpent = false;
            if (failure.IsUnavailable)
            {
                // The host, not the handler, failed: wait the outage out within the time budget, spending no attempt.
                progress.OutageSince ??= now;
                var outage = now - progress.OutageSince.Value;
                var budget = failure.OutageBudget ?? step.Options.OutageBudget;
                if (outage < budget)
                {
                    progress.OutageAttempts++;
                    var backoff = retry.DelayBefore(progress.OutageAttempts + 1, state.CorrelationId);
                    var delay = failure.RetryAfter is { } after && after > backoff ? after : backoff;
                    ScheduleRetry(step, progress, compensation, delay, string.Create(CultureInfo.InvariantCulture, $"host unavailable for {outage.TotalSeconds:0.#} s of the outage budget of {budget.TotalSeconds:0.#} s (not counted against the {Describe(retry.MaxAttempts)} attempt(s)); next attempt in {delay.TotalMilliseconds:0} ms"));
                    return;
                }

                budgetSpent = true;
                reason = string.Create(CultureInfo.InvariantCulture, $"its host was unavailable for {outage.TotalSeconds:0.#} s, past the outage budget of {budget.TotalSeconds:0.#} s: {reason}");
            }
            else
            {
                progress.OutageSince = null; // an answer, or a missed deadline, ends the outage
            }

            var attemptsUsed = progress.Attempt - progress.BudgetStart + 1 - progress.OutageAttempts;
            if (!failure.Permanent && !budgetSpent && attemptsUsed < retry.MaxAttempts)
            {
                // A missed deadline is asked again too (same idempotency key): a lost command or a lost reply heals itself.
                var delay = retry.DelayBefore(attemptsUsed + 1, state.CorrelationId);
                ScheduleRetry(step, progress, compensation, delay, string.Create(CultureInfo.InvariantCulture, $"next attempt in {delay.TotalMilliseconds:0} ms"));
                return;
            }

            var spent = failure.Permanent || budgetSpent ? string.Empty : $" after {attemptsUsed} attempt(s)";
            if (compensation)
            {
                progress.Status = StepStatus.CompensationFailed;
                Fault($"compensation of {step.Name} failed{spent}: {reason}");
                return;
            }

            progress.Status = StepStatus.Failed;
            switch (step.Kind)
            {
                case StepKind.Compensatable when inDoubt:
                    // The step may have happened: undo it too (compensations tolerate "nothing to undo").
                    state.CompensationLog.Add(step.Name);
                    BeginCompensation($"{step.Name}: {reason}");
                    break;
                case StepKind.Compensatable:
                case StepKind.Pivot when !inDoubt:
                    BeginCompensation($"{step.Name}: {reason}");
                    break;
                case StepKind.Pivot:
                    Fault($"{step.Name} is in doubt{spent}: {reason}");
                    break;
                default:
                    Fault($"{step.Name} failed{spent}: {reason}");
                    break;
            }
        }

        public void CompensateNext()
        {
            if (state.CompensationLog.Count == 0)
            {
                End(StepSagaStates.Compensated, StepHistoryKind.Compensated, state.Reason);
                return;
            }

            var name = state.CompensationLog[^1];
            var progress = state.Steps.First(p => p.Name == name);
            progress.Attempt = 1;
            StartBudget(progress, 1);
            Request(engine._plan.First(s => s.Name == name), progress, compensation: true);
        }

        /// <summary>Undoes the compensation log (possibly empty) because an operator asked: ends Compensated either way.</summary>
        public void Abort(string reason)
        {
            state.Reason = reason;
            MoveTo(StepSagaStates.Compensating);
            CompensateNext();
        }

        private void BeginCompensation(string reason)
        {
            state.Reason = reason;
            if (state.CompensationLog.Count == 0)
            {
                End(StepSagaStates.Rejected, StepHistoryKind.Rejected, reason);
                return;
            }

            MoveTo(StepSagaStates.Compensating);
            CompensateNext();
        }

        private void ScheduleRetry(StepDefinition<TState> step, StepProgress progress, bool compensation, TimeSpan delay, string detail)
        {
            progress.Status = compensation ? StepStatus.CompensationWaitingRetry : StepStatus.WaitingRetry;
            progress.TimerId = Schedule(step, progress, compensation, StepTimerElapsed.Retry, delay);
            Record(step.Name, StepHistoryKind.RetryScheduled, progress.Attempt, detail);
        }

        private Guid Schedule(StepDefinition<TState> step, StepProgress progress, bool compensation, string kind, TimeSpan delay)
        {
            var id = engine._newId();
            progress.DueAt = now + delay;
            _transition.Timers.Add(new StepTimer(id, new StepTimerElapsed(state.CorrelationId, step.Name, progress.Attempt, compensation, kind), progress.DueAt.Value));
            return id;
        }

        private void Fault(string reason) => End(StepSagaStates.Faulted, StepHistoryKind.Faulted, reason);

        private void End(string terminal, StepHistoryKind kind, string? reason)
        {
            MoveTo(terminal);
            state.Reason = reason;
            state.EndedAt = now;
            Record(StepHistoryEntry.Saga, kind, 0, reason);
        }
    }
}
