using System.Diagnostics;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Sagas.CloudEvents;
using Sagas.Outbox;
using Sagas.Persistence;
using Sagas.Steps.Engine;

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
/// <c>Rejected</c>; a compensatable step or the pivot fails (or a compensatable step's retries end in doubt) →
/// the compensation log is undone in reverse order → <c>Compensated</c>; a retriable step exhausts its budget
/// or fails for good, or the pivot's outcome stays in doubt → <c>Faulted</c>, with <see cref="StepSagaState.Reason"/>,
/// until a <see cref="ResumeSaga"/> arrives.</para>
/// <para>The decisions are made by a bus-free engine (<c>Steps/Engine/StepEngine.cs</c>); this class feeds it the events,
/// carries out what it decides (commands, timers, in the transaction of the event) and moves the saga through
/// MassTransit's own transitions.</para>
/// </remarks>
/// <typeparam name="TState">The saga state.</typeparam>
public abstract class StepSagaStateMachine<TState> : MassTransitStateMachine<TState>, IStepPlanned
    where TState : StepSagaState, new()
{
    private IReadOnlyList<StepDefinition<TState>> _plan = [];
    private StepEngine<TState>? _engine;

    /// <summary>Declares the framework's states and events; call <see cref="Steps"/> from the derived constructor.</summary>
    protected StepSagaStateMachine()
    {
        InstanceState(x => x.CurrentState);
        Executing = State(StepSagaStates.Executing);
        Compensating = State(StepSagaStates.Compensating);
        Completed = State(StepSagaStates.Completed);
        Rejected = State(StepSagaStates.Rejected);
        Compensated = State(StepSagaStates.Compensated);
        Faulted = State(StepSagaStates.Faulted);
        Event(() => StepCompletedEvent, e => e.CorrelateById(m => m.Message.SagaId));
        Event(() => StepFailedEvent, e => e.CorrelateById(m => m.Message.SagaId));
        Event(() => StepTimerEvent, e => e.CorrelateById(m => m.Message.SagaId));
        Event(() => ResumeEvent, e => e.CorrelateById(m => m.Message.SagaId));
        Event(() => CompensateEvent, e => e.CorrelateById(m => m.Message.SagaId));
        Event(() => RetryNowEvent, e => e.CorrelateById(m => m.Message.SagaId));

        // Replies and timers are taken in every state: a late one to a saga that moved on is recorded and changes nothing.
        DuringAny(
            When(StepCompletedEvent).ThenAsync(c => ApplyAsync(c, Engine.Completed(c.Saga, c.Message, Runtime(c).Converter.JsonOptions, Now(c), PlacementOf(c)))),
            When(StepFailedEvent).ThenAsync(c => ApplyAsync(c, Engine.Failed(c.Saga, c.Message, Now(c), PlacementOf(c)))),
            When(StepTimerEvent).ThenAsync(c => ApplyAsync(c, Engine.TimerElapsed(c.Saga, c.Message, Now(c)))),
            When(ResumeEvent).ThenAsync(c => ApplyAsync(c, Engine.Resume(c.Saga, c.Message, Now(c)))),
            When(CompensateEvent).ThenAsync(c => ApplyAsync(c, Engine.Compensate(c.Saga, c.Message, Now(c)))),
            When(RetryNowEvent).ThenAsync(c => ApplyAsync(c, Engine.RetryNow(c.Saga, c.Message, Now(c)))));

        // An event the saga no longer accepts in its state (a second OrderSubmitted for a saga that already started, say)
        // was handled before under another delivery: it is a duplicate, kept visible in the history, not a fault.
        OnUnhandledEvent(async context =>
        {
            await ApplyAsync(context, Engine.Ignore(context.Saga, context.Event.Name, Now(context))).ConfigureAwait(false);
            await context.Ignore().ConfigureAwait(false);
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

    /// <summary>An operator ordered the saga compensated (before its pivot).</summary>
    public Event<CompensateSaga> CompensateEvent { get; private set; } = null!;

    /// <summary>An operator asked for a waiting step's next attempt now.</summary>
    public Event<RetryStepNow> RetryNowEvent { get; private set; } = null!;

    /// <summary>The step plan.</summary>
    public IReadOnlyList<StepDefinition<TState>> Plan => _plan;

    IEnumerable<(string Name, StepOptions Options, Type Command, Type? Compensation)> IStepPlanned.Steps
        => _plan.Select(s => (s.Name, s.Options, s.CommandType, s.CompensationType));

    private StepEngine<TState> Engine => _engine ?? throw new InvalidOperationException($"{GetType().Name} declares no steps: call Steps(...) in its constructor.");

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
        _engine = new StepEngine<TState>(_plan, NewId.NextGuid);
    }

    /// <summary>Starts the plan: records the steps and requests the first one (or the retriable group).</summary>
    protected Task BeginStepsAsync(BehaviorContext<TState> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Saga.TraceId = TraceIdOf(context);
        return ApplyAsync(context, Engine.Begin(context.Saga, Now(context)));
    }

    /// <summary>The trace of the event being handled: the current activity's, or the <c>traceparent</c> it arrived with.</summary>
    private static string? TraceIdOf(ConsumeContext context)
    {
        if (Activity.Current is { IdFormat: ActivityIdFormat.W3C } activity)
        {
            return activity.TraceId.ToHexString();
        }

        var parent = context.Headers.Get<string>(SagaAttributes.TraceParent.Name);
        return ActivityContext.TryParse(parent, null, out var remote) ? remote.TraceId.ToHexString() : null;
    }

    /// <summary>
    /// Carries out what the engine decided, in the transaction of the event being handled: withdraws and sets timers
    /// (delayed sends to this saga's own endpoint, captured as outbox messages with a due time), publishes the commands
    /// with the step attributes, and moves the saga to its new state through MassTransit's transition.
    /// </summary>
    private async Task ApplyAsync(BehaviorContext<TState> context, StepTransition transition)
    {
        var tx = Transaction(context);
        foreach (var timer in transition.CancelledTimers)
        {
            tx.CancelScheduled(timer);
        }

        var sagaId = context.Saga.CorrelationId;
        if (transition.Timers.Count > 0)
        {
            // Through the same capture as the commands: a send with a delay becomes an outbox message with a due time.
            var runtime = Runtime(context);
            var self = await context.GetSendEndpoint(context.ReceiveContext.InputAddress).ConfigureAwait(false);
            foreach (var timer in transition.Timers)
            {
                await self.Send(timer.Timer, Pipe.Execute<SendContext<StepTimerElapsed>>(s => StepTimers.Address(s, runtime, timer.Id, timer.DueAt))).ConfigureAwait(false);
            }
        }

        foreach (var command in transition.Commands)
        {
            await context.Publish(command.Message, command.Message.GetType(), Pipe.Execute<PublishContext>(p =>
            {
                p.CorrelationId = sagaId;
                foreach (var (name, value) in new StepCommandAttributes(sagaId, command.Step, command.Attempt, command.Compensation).ToHeaders())
                {
                    p.Headers.Set(name, value);
                }
            })).ConfigureAwait(false);
        }

        if (transition.TargetState is { } target)
        {
            await context.TransitionToState(GetState(target)).ConfigureAwait(false);
        }
    }

    /// <summary>Where the replying executor ran the attempt, when it placed it (<c>sagaplacement</c>).</summary>
    private static string? PlacementOf(ConsumeContext context) => context.Headers.Get<string>(SagaAttributes.Placement.Name);

    private static DateTimeOffset Now(BehaviorContext<TState> context) => Runtime(context).TimeProvider.GetUtcNow();

    private static StepRuntime Runtime(BehaviorContext<TState> context)
        => context.GetPayload<IServiceProvider>().GetRequiredService<StepRuntime>();

    private static MessageTransaction Transaction(BehaviorContext<TState> context)
        => context.TryGetPayload<MessageTransaction>(out var tx)
            ? tx
            : throw new InvalidOperationException("No Sagas message transaction on this message: register the saga through services.AddSagas(...) so the inbox/outbox filter runs.");
}
