using System.Text.Json;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Sagas.CloudEvents;
using Sagas.Outbox;
using Sagas.Persistence;

namespace Sagas.Steps;

/// <summary>
/// A MassTransit state machine that runs a plan of compensatable, pivot and retriable steps.
/// </summary>
/// <remarks>
/// <para>Derive from it, declare your start event(s) as usual and call <see cref="Steps"/> once in the
/// constructor; start the plan with <see cref="BeginStepsAsync"/> from your initial event:</para>
/// <code>
/// Event(() => OrderSubmitted, e => e.CorrelateById(m => m.Message.OrderId));
/// Steps(plan => plan
///     .Compensatable&lt;ReserveInventory, InventoryReserved, ReleaseInventory&gt;("ReserveInventory", s => ..., s => ...)
///     .Pivot&lt;ConfirmOrder, Done&gt;("ConfirmOrder", s => ...)
///     .Retriable&lt;SendConfirmation, Done&gt;("SendConfirmation", s => ...));
/// Initially(When(OrderSubmitted).Then(c => ...).ThenAsync(BeginStepsAsync));
/// </code>
/// <para>Steps run one after the other up to the pivot; the retriable steps after the pivot run together.
/// Each command is published with the saga id as correlation id (CloudEvents <c>subject</c>) and the
/// <c>sagastep</c>/<c>sagaattempt</c>/<c>sagacompensate</c> attributes; the executor replies with
/// <see cref="StepCompleted"/> or <see cref="StepFailed"/>. Every attempt has a deadline.</para>
/// <para>Outcomes: all steps done → <c>Completed</c>; the first step fails for good with nothing to undo →
/// <c>Rejected</c>; a compensatable step or the pivot fails (or a compensatable step misses its deadline) →
/// the compensation log is undone in reverse order → <c>Compensated</c>; a retriable step exhausts its budget
/// or fails for good, or the pivot's outcome stays in doubt → <c>Faulted</c>, with <see cref="StepSagaState.Reason"/>,
/// until a <see cref="ResumeSaga"/> arrives.</para>
/// </remarks>
/// <typeparam name="TState">The saga state.</typeparam>
public abstract class StepSagaStateMachine<TState> : MassTransitStateMachine<TState>
    where TState : StepSagaState, new()
{
    private IReadOnlyList<StepDefinition<TState>> _plan = [];

    /// <summary>Declares the framework's states and events; call <see cref="Steps"/> from the derived constructor.</summary>
    protected StepSagaStateMachine()
    {
        InstanceState(x => x.CurrentState);
        Executing = State(nameof(Executing));
        Compensating = State(nameof(Compensating));
        Completed = State(nameof(Completed));
        Rejected = State(nameof(Rejected));
        Compensated = State(nameof(Compensated));
        Faulted = State(nameof(Faulted));
        Event(() => StepCompletedEvent, e => e.CorrelateById(m => m.Message.SagaId));
        Event(() => StepFailedEvent, e => e.CorrelateById(m => m.Message.SagaId));
        Event(() => StepTimerEvent, e => e.CorrelateById(m => m.Message.SagaId));
        Event(() => ResumeEvent, e => e.CorrelateById(m => m.Message.SagaId));

        DuringAny(
            When(StepCompletedEvent).ThenAsync(OnStepCompletedAsync).Then(c => RefreshWakeAt(c.Saga)),
            When(StepFailedEvent).ThenAsync(OnStepFailedAsync).Then(c => RefreshWakeAt(c.Saga)),
            When(StepTimerEvent).ThenAsync(OnTimerAsync).Then(c => RefreshWakeAt(c.Saga)),
            When(ResumeEvent).ThenAsync(OnResumeAsync).Then(c => RefreshWakeAt(c.Saga)));

        // An event the saga no longer accepts in its state (a second OrderSubmitted for a saga that already started, say)
        // was handled before under another delivery: it is a duplicate, kept visible in the history, not a fault.
        OnUnhandledEvent(context =>
        {
            Record(context.Saga, Now(context), "saga", "ignored-event", 0, $"{context.Event.Name} is not accepted in state {context.CurrentState.Name}: taken as a duplicate");
            return context.Ignore();
        });
    }

    /// <summary>Steps are running.</summary>
    public State Executing { get; private set; } = null!;

    /// <summary>Completed steps are being undone.</summary>
    public State Compensating { get; private set; } = null!;

    /// <summary>Terminal: every step completed.</summary>
    public State Completed { get; private set; } = null!;

    /// <summary>Terminal: the first step failed for good; nothing needed undoing.</summary>
    public State Rejected { get; private set; } = null!;

    /// <summary>Terminal: a step failed and every completed step was undone.</summary>
    public State Compensated { get; private set; } = null!;

    /// <summary>Parked for a person: visible with its reason, resumable with <see cref="ResumeSaga"/>.</summary>
    public State Faulted { get; private set; } = null!;

    /// <summary>A step executor replied with success.</summary>
    public Event<StepCompleted> StepCompletedEvent { get; private set; } = null!;

    /// <summary>A step executor replied with failure.</summary>
    public Event<StepFailed> StepFailedEvent { get; private set; } = null!;

    /// <summary>A deadline or retry timer fired.</summary>
    public Event<StepTimerElapsed> StepTimerEvent { get; private set; } = null!;

    /// <summary>An operator resumed a Faulted saga.</summary>
    public Event<ResumeSaga> ResumeEvent { get; private set; } = null!;

    /// <summary>The step plan.</summary>
    public IReadOnlyList<StepDefinition<TState>> Plan => _plan;

    /// <summary>Declares the step plan. Call once, from the constructor.</summary>
    protected void Steps(Action<StepPlanBuilder<TState>> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        if (_plan.Count > 0)
        {
            throw new InvalidOperationException("Steps(...) is called once per saga.");
        }

        var builder = new StepPlanBuilder<TState>();
        configure(builder);
        if (builder.Steps.Count == 0)
        {
            throw new InvalidOperationException("A step saga needs at least one step.");
        }

        _plan = builder.Steps;
    }

    /// <summary>Starts the plan: records the steps and requests the first one (or the retriable group).</summary>
    protected async Task BeginStepsAsync(BehaviorContext<TState> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var state = context.Saga;
        var now = Runtime(context).TimeProvider.GetUtcNow();
        state.StartedAt = now;
        state.Steps = [.. _plan.Select(s => new StepProgress { Name = s.Name, Status = StepStatus.Pending })];
        state.CompensationLog = [];
        Record(state, now, "saga", "started", 0);
        state.CurrentState = Executing.Name;
        await StartNextAsync(context).ConfigureAwait(false);
        RefreshWakeAt(state);
    }

    private async Task OnStepCompletedAsync(BehaviorContext<TState, StepCompleted> context)
    {
        var reply = context.Message;
        var state = context.Saga;
        if (!TryGetCurrent(state, reply.Step, reply.Attempt, reply.Compensation, out var step, out var progress))
        {
            Record(state, Now(context), reply.Step, "ignored-stale-reply", reply.Attempt, reply.Compensation ? "compensation completed" : "completed");
            return;
        }

        var tx = Transaction(context);
        CancelTimer(tx, progress);
        if (reply.Compensation)
        {
            progress.Status = StepStatus.Compensated;
            state.CompensationLog.RemoveAt(state.CompensationLog.Count - 1);
            Record(state, Now(context), step.Name, "compensated", reply.Attempt);
            await CompensateNextAsync(context).ConfigureAwait(false);
            return;
        }

        progress.Status = StepStatus.Completed;
        progress.LastError = null;
        step.OnCompleted?.Invoke(state, reply.Result, Runtime(context).Converter.JsonOptions);
        if (step.Kind == StepKind.Compensatable)
        {
            state.CompensationLog.Add(step.Name);
        }

        Record(state, Now(context), step.Name, "completed", reply.Attempt);
        await StartNextAsync(context).ConfigureAwait(false);
    }

    private async Task OnStepFailedAsync(BehaviorContext<TState, StepFailed> context)
    {
        var reply = context.Message;
        var state = context.Saga;
        if (!TryGetCurrent(state, reply.Step, reply.Attempt, reply.Compensation, out var step, out var progress))
        {
            Record(state, Now(context), reply.Step, "ignored-stale-reply", reply.Attempt, reply.Reason);
            return;
        }

        CancelTimer(Transaction(context), progress);
        progress.LastError = reply.Reason;
        var what = (reply.Compensation, reply.Unavailable) switch
        {
            (false, false) => "failed",
            (false, true) => "unavailable",
            (true, false) => "compensation-failed",
            (true, true) => "compensation-unavailable",
        };
        Record(state, Now(context), step.Name, what, reply.Attempt, reply.Reason);
        var failure = reply.Unavailable && !reply.Permanent
            ? AttemptFailure.Unavailable(reply.Compensation, reply.Reason, Milliseconds(reply.RetryAfterMs), Milliseconds(reply.OutageBudgetMs))
            : AttemptFailure.Answered(reply.Compensation, reply.Reason, reply.Permanent);
        await HandleFailureAsync(context, step, progress, failure).ConfigureAwait(false);
    }

    private async Task OnTimerAsync(BehaviorContext<TState, StepTimerElapsed> context)
    {
        var timer = context.Message;
        var state = context.Saga;
        var expected = timer.Kind == StepTimerElapsed.Retry
            ? (timer.Compensation ? StepStatus.CompensationWaitingRetry : StepStatus.WaitingRetry)
            : (timer.Compensation ? StepStatus.Compensating : StepStatus.Running);
        var step = _plan.FirstOrDefault(s => s.Name == timer.Step);
        var progress = state.Steps.FirstOrDefault(p => p.Name == timer.Step);
        if (step is null || progress is null || progress.Status != expected || progress.Attempt != timer.Attempt)
        {
            return; // a timer that lost the race against a reply
        }

        progress.TimerId = null;
        progress.DueAt = null;
        if (timer.Kind == StepTimerElapsed.Retry)
        {
            progress.Attempt++;
            await RequestAsync(context, step, progress, timer.Compensation).ConfigureAwait(false);
            return;
        }

        var reason = $"no reply within the deadline of {step.Options.Deadline.TotalSeconds:0.###} s";
        progress.LastError = reason;
        Record(state, Now(context), step.Name, timer.Compensation ? "compensation-timed-out" : "timed-out", timer.Attempt, reason);
        await HandleFailureAsync(context, step, progress, AttemptFailure.TimedOut(timer.Compensation, reason)).ConfigureAwait(false);
    }

    private async Task OnResumeAsync(BehaviorContext<TState, ResumeSaga> context)
    {
        var state = context.Saga;
        if (state.CurrentState != Faulted.Name)
        {
            Record(state, Now(context), "saga", "resume-ignored", 0, $"{context.Message.Note}: the saga is {state.CurrentState}, not Faulted");
            return;
        }

        Record(state, Now(context), "saga", "resumed", 0, context.Message.Note);
        state.Reason = null;
        state.EndedAt = null;
        // A saga parked during compensation resumes its compensation; otherwise the failed steps run again.
        var compensating = state.Steps.Any(p => p.Status == StepStatus.CompensationFailed);
        state.CurrentState = compensating ? Compensating.Name : Executing.Name;
        var parked = compensating ? StepStatus.CompensationFailed : StepStatus.Failed;
        foreach (var progress in state.Steps.Where(p => p.Status == parked))
        {
            var step = _plan.First(s => s.Name == progress.Name);
            progress.Attempt++;
            StartBudget(progress, progress.Attempt);
            await RequestAsync(context, step, progress, compensating).ConfigureAwait(false);
        }
    }

    private async Task HandleFailureAsync(BehaviorContext<TState> context, StepDefinition<TState> step, StepProgress progress, AttemptFailure failure)
    {
        var state = context.Saga;
        var now = Now(context);
        var compensation = failure.Compensation;
        if (!compensation)
        {
            // A missed deadline or an unanswered call may have run the step. An answer from the handler settles it: the
            // handler is idempotent per key, so a business failure means the step did not happen.
            progress.InDoubt = failure.Permanent ? false : progress.InDoubt || failure.InDoubt;
        }

        var inDoubt = !compensation && progress.InDoubt;
        var retry = compensation ? step.Options.CompensationRetry : step.Options.Retry;
        var reason = failure.Reason;
        var budgetSpent = false;
        if (failure.IsUnavailable)
        {
            // The host, not the handler, failed: wait the outage out within the step's time budget, spending no attempt.
            progress.OutageSince ??= now;
            var outage = now - progress.OutageSince.Value;
            var budget = failure.OutageBudget ?? step.Options.OutageBudget;
            if (outage < budget)
            {
                progress.OutageAttempts++;
                var backoff = retry.DelayBefore(progress.OutageAttempts + 1, state.CorrelationId);
                var delay = failure.RetryAfter is { } after && after > backoff ? after : backoff;
                ScheduleRetry(context, step, progress, compensation, delay, $"host unavailable for {outage.TotalSeconds:0.#} s of the outage budget of {budget.TotalSeconds:0.#} s (not counted against the {Describe(retry.MaxAttempts)} attempt(s)); next attempt in {delay.TotalMilliseconds:0} ms");
                return;
            }

            budgetSpent = true;
            reason = $"its host was unavailable for {outage.TotalSeconds:0.#} s, past the outage budget of {budget.TotalSeconds:0.#} s: {reason}";
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
            ScheduleRetry(context, step, progress, compensation, delay, $"next attempt in {delay.TotalMilliseconds:0} ms");
            return;
        }

        var spent = failure.Permanent || budgetSpent ? string.Empty : $" after {attemptsUsed} attempt(s)";
        if (compensation)
        {
            progress.Status = StepStatus.CompensationFailed;
            Fault(context, $"compensation of {step.Name} failed{spent}: {reason}");
            return;
        }

        progress.Status = StepStatus.Failed;
        switch (step.Kind)
        {
            case StepKind.Compensatable when inDoubt:
                // The step may have happened: undo it too (compensations tolerate "nothing to undo").
                state.CompensationLog.Add(step.Name);
                await BeginCompensationAsync(context, $"{step.Name}: {reason}").ConfigureAwait(false);
                break;
            case StepKind.Compensatable:
            case StepKind.Pivot when !inDoubt:
                await BeginCompensationAsync(context, $"{step.Name}: {reason}").ConfigureAwait(false);
                break;
            case StepKind.Pivot:
                Fault(context, $"{step.Name} is in doubt{spent}: {reason}");
                break;
            default:
                Fault(context, $"{step.Name} failed{spent}: {reason}");
                break;
        }
    }

    private static void ScheduleRetry(BehaviorContext<TState> context, StepDefinition<TState> step, StepProgress progress, bool compensation, TimeSpan delay, string detail)
    {
        progress.Status = compensation ? StepStatus.CompensationWaitingRetry : StepStatus.WaitingRetry;
        progress.TimerId = Schedule(context, step, progress, compensation, StepTimerElapsed.Retry, delay);
        Record(context.Saga, Now(context), step.Name, "retry-scheduled", progress.Attempt, detail);
    }

    private static TimeSpan? Milliseconds(long? ms) => ms is { } value ? TimeSpan.FromMilliseconds(value) : null;

    private static string Describe(int attempts) => attempts == int.MaxValue ? "unlimited" : attempts.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static void StartBudget(StepProgress progress, int firstAttempt)
    {
        progress.BudgetStart = firstAttempt;
        progress.OutageAttempts = 0;
        progress.OutageSince = null;
    }

    private async Task StartNextAsync(BehaviorContext<TState> context)
    {
        var state = context.Saga;
        var next = state.Steps.FindIndex(p => p.Status != StepStatus.Completed);
        if (next < 0)
        {
            End(context, Completed, null);
            return;
        }

        if (state.Steps[next].Status != StepStatus.Pending)
        {
            return; // a retriable sibling is still running
        }

        var group = _plan[next].Kind == StepKind.Retriable
            ? _plan.Skip(next).ToList()
            : [_plan[next]];
        foreach (var step in group)
        {
            var progress = state.Steps.First(p => p.Name == step.Name);
            progress.Attempt = 1;
            StartBudget(progress, 1);
            progress.InDoubt = false;
            await RequestAsync(context, step, progress, compensation: false).ConfigureAwait(false);
        }
    }

    private async Task BeginCompensationAsync(BehaviorContext<TState> context, string reason)
    {
        var state = context.Saga;
        state.Reason = reason;
        if (state.CompensationLog.Count == 0)
        {
            End(context, Rejected, reason);
            return;
        }

        state.CurrentState = Compensating.Name;
        await CompensateNextAsync(context).ConfigureAwait(false);
    }

    private async Task CompensateNextAsync(BehaviorContext<TState> context)
    {
        var state = context.Saga;
        if (state.CompensationLog.Count == 0)
        {
            End(context, Compensated, state.Reason);
            return;
        }

        var name = state.CompensationLog[^1];
        var step = _plan.First(s => s.Name == name);
        var progress = state.Steps.First(p => p.Name == name);
        progress.Attempt = 1;
        StartBudget(progress, 1);
        await RequestAsync(context, step, progress, compensation: true).ConfigureAwait(false);
    }

    private static async Task RequestAsync(BehaviorContext<TState> context, StepDefinition<TState> step, StepProgress progress, bool compensation)
    {
        var state = context.Saga;
        var command = compensation ? step.CreateCompensation!(state) : step.CreateCommand(state);
        progress.Status = compensation ? StepStatus.Compensating : StepStatus.Running;
        progress.TimerId = Schedule(context, step, progress, compensation, StepTimerElapsed.Deadline, step.Options.Deadline);
        Record(state, Now(context), step.Name, compensation ? "compensation-requested" : "requested", progress.Attempt);
        var attempt = progress.Attempt;
        await context.Publish(command, command.GetType(), Pipe.Execute<PublishContext>(p =>
        {
            p.CorrelationId = state.CorrelationId;
            p.Headers.Set(SagaAttributes.Step.Name, step.Name);
            p.Headers.Set(SagaAttributes.Attempt.Name, attempt.ToString(System.Globalization.CultureInfo.InvariantCulture));
            p.Headers.Set(SagaAttributes.Compensate.Name, compensation ? "true" : "false");
        })).ConfigureAwait(false);
    }

    private static Guid Schedule(BehaviorContext<TState> context, StepDefinition<TState> step, StepProgress progress, bool compensation, string kind, TimeSpan delay)
    {
        var runtime = Runtime(context);
        var state = context.Saga;
        var now = runtime.TimeProvider.GetUtcNow();
        var id = NewId.NextGuid();
        progress.DueAt = now + delay;
        var timer = new StepTimerElapsed(state.CorrelationId, step.Name, progress.Attempt, compensation, kind);
        return Transaction(context).Schedule(StepTimers.ToOutboxMessage(
            runtime,
            timer,
            id,
            context.ReceiveContext.InputAddress,
            progress.DueAt.Value,
            context.Headers.Get<string>(Serialization.CloudEventHeaders.Id)));
    }

    private static void CancelTimer(MessageTransaction tx, StepProgress progress)
    {
        if (progress.TimerId is { } timer)
        {
            tx.CancelScheduled(timer);
            progress.TimerId = null;
            progress.DueAt = null;
        }
    }

    private void Fault(BehaviorContext<TState> context, string reason) => End(context, Faulted, reason);

    private static void End(BehaviorContext<TState> context, State terminal, string? reason)
    {
        var state = context.Saga;
        var now = Now(context);
        state.CurrentState = terminal.Name;
        state.Reason = reason;
        state.EndedAt = now;
        Record(state, now, "saga", terminal.Name.ToLowerInvariant(), 0, reason);
    }

    private void RefreshWakeAt(TState state)
        => state.WakeAt = state.CurrentState == Executing.Name || state.CurrentState == Compensating.Name
            ? state.Steps.Where(p => p.TimerId is not null).Min(p => p.DueAt)
            : null;

    private bool TryGetCurrent(TState state, string name, int attempt, bool compensation, out StepDefinition<TState> step, out StepProgress progress)
    {
        step = _plan.FirstOrDefault(s => s.Name == name)!;
        progress = state.Steps.FirstOrDefault(p => p.Name == name)!;
        var expected = compensation ? StepStatus.Compensating : StepStatus.Running;
        return step is not null && progress is not null && progress.Status == expected && progress.Attempt == attempt;
    }

    private static void Record(TState state, DateTimeOffset at, string step, string what, int attempt, string? detail = null)
        => state.History.Add(new StepHistoryEntry(at, step, what, attempt, detail));

    private static DateTimeOffset Now(BehaviorContext<TState> context) => Runtime(context).TimeProvider.GetUtcNow();

    private static StepRuntime Runtime(BehaviorContext<TState> context)
        => context.GetPayload<IServiceProvider>().GetRequiredService<StepRuntime>();

    private static MessageTransaction Transaction(BehaviorContext<TState> context)
        => context.TryGetPayload<MessageTransaction>(out var tx)
            ? tx
            : throw new InvalidOperationException("No Sagas message transaction on this message: register the saga through services.AddSagas(...) so the inbox/outbox filter runs.");
}
