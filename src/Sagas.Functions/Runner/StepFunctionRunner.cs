using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CloudNative.CloudEvents;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sagas.CloudEvents;
using Sagas.Functions.Diagnostics;
using Sagas.Functions.Inbox;
using Sagas.Steps;

namespace Sagas.Functions.Runner;

/// <summary>
/// Runs step commands for any host (HTTP, AWS Lambda, Azure Functions queue trigger): one CloudEvent in, one
/// <see cref="StepFunctionResult"/> out. Obtain it from DI after
/// <see cref="Microsoft.Extensions.DependencyInjection.StepFunctionsServiceCollectionExtensions.AddStepFunctions"/>.
/// </summary>
/// <remarks>
/// <para>For each command: decode and validate its data (<see cref="CloudEventConverter.Decode"/>); read the saga id
/// (<c>subject</c> / <c>correlationid</c>), <c>sagastep</c>, <c>sagaattempt</c> and <c>sagacompensate</c>; claim it in the
/// <see cref="IStepInbox"/> (key: <see cref="StepFunctionOptions.EndpointName"/> + <c>source</c> + <c>id</c>); run the
/// <see cref="IStepHandler{TCommand, TResult}"/> registered for its CLR type in a fresh DI scope; store and return the reply.</para>
/// <para><b>Replies.</b> A result is a <see cref="StepCompleted"/>; a <see cref="StepOutcome.Fail(string)"/> is a
/// <see cref="StepFailed"/> with <c>Permanent = true</c>; an exception from the handler is a <see cref="StepFailed"/> with
/// <c>Permanent = false</c>, which the saga retries with a new command (a new <c>id</c>, the next <c>sagaattempt</c>).
/// The reply's <c>subject</c> and <c>correlationid</c> are the saga id, its <c>causationid</c> is the command's <c>id</c>,
/// its <c>id</c> is derived from the inbox key (so it is the same if the command runs again after the inbox forgot it),
/// and its <c>source</c> is <see cref="StepFunctionOptions.Source"/>. A W3C <c>traceparent</c> / <c>tracestate</c> on the
/// command is carried over, and so is its <c>sagaplacement</c> (where an overflowing step placed it).</para>
/// <para><b>Idempotency.</b> A duplicate of a command that ran gets the stored reply, byte for byte, and the handler does
/// not run again; a duplicate that arrives while the first is still running gets <see cref="StepFunctionStatus.InProgress"/>.
/// Handlers also get <see cref="StepContext.IdempotencyKey"/>, the same for every attempt of the step, for their own side effects.</para>
/// <para>If <c>cancellationToken</c> is cancelled while the handler runs, the claim is released and
/// <see cref="OperationCanceledException"/> propagates: the host did not answer, so the command will be delivered again.</para>
/// <para>Thread-safe; one instance serves all requests.</para>
/// </remarks>
public sealed partial class StepFunctionRunner
{
    private readonly IReadOnlyDictionary<Type, StepHandlerInvoker> _handlers;
    private readonly IServiceScopeFactory _scopes;
    private readonly IStepInbox _inbox;
    private readonly StepFunctionOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    internal StepFunctionRunner(
        CloudEventConverter converter,
        IReadOnlyDictionary<Type, StepHandlerInvoker> handlers,
        IServiceScopeFactory scopes,
        IStepInbox inbox,
        StepFunctionOptions options,
        TimeProvider timeProvider,
        ILogger logger)
    {
        Converter = converter;
        _handlers = handlers;
        _scopes = scopes;
        _inbox = inbox;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>
    /// The converter that knows the step commands and the reply contracts; hosts use it to read commands from
    /// their transport (<see cref="CloudEventConverter.DecodeStructured"/>) and to write replies.
    /// </summary>
    public CloudEventConverter Converter { get; }

    /// <summary>Runs one step command; see the class remarks for the steps, the replies and idempotency.</summary>
    /// <param name="command">The step command as received; not modified.</param>
    /// <param name="cancellationToken">Passed to the handler as <see cref="StepContext.CancellationToken"/>.</param>
    /// <returns>The reply, a rejection naming every reason, or <see cref="StepFunctionStatus.InProgress"/>.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; nothing was stored.</exception>
    public async ValueTask<StepFunctionResult> RunAsync(CloudEvent command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        return TryPrepare(command, out var invocation, out var rejection)
            ? await ExecuteAsync(invocation, cancellationToken).ConfigureAwait(false)
            : StepFunctionResult.Rejected(rejection);
    }

    /// <summary>Decodes and checks a command without running it; a batch host checks every event before running any.</summary>
    internal bool TryPrepare(CloudEvent command, [NotNullWhen(true)] out StepInvocation? invocation, [NotNullWhen(false)] out StepFunctionRejection? rejection)
    {
        invocation = null;
        DecodedEvent decoded;
        try
        {
            decoded = Converter.Decode(command);
        }
        catch (CloudEventRejectedException ex)
        {
            rejection = Reject(command, ex.Reasons);
            return false;
        }

        var reasons = new List<string>();
        if (string.IsNullOrEmpty(command.Id))
        {
            reasons.Add("the event has no 'id'");
        }

        if (command.Source is null)
        {
            reasons.Add("the event has no 'source'");
        }

        if (!_handlers.TryGetValue(decoded.Contract.ClrType, out var invoker))
        {
            reasons.Add($"no step handler is registered for '{decoded.Contract.EventType}' ({decoded.Contract.ClrType.Name}) at this endpoint");
        }

        var attributes = StepCommandAttributes.Read(command, reasons);
        if (reasons.Count > 0)
        {
            rejection = Reject(command, reasons);
            return false;
        }

        rejection = null;
        invocation = new StepInvocation(decoded, invoker!, attributes!.SagaId, attributes.Step, attributes.Attempt, attributes.Compensation);
        return true;
    }

    /// <summary>
    /// Runs a batch (the CloudEvents HTTP batch mode): checks every event first, so a batch with one event that can
    /// never run runs nothing; then runs each in order.
    /// </summary>
    internal async ValueTask<StepBatchResult> RunBatchAsync(IReadOnlyList<CloudEvent> commands, CancellationToken cancellationToken)
    {
        var invocations = new List<StepInvocation>(commands.Count);
        var reasons = new List<string>();
        for (var i = 0; i < commands.Count; i++)
        {
            if (TryPrepare(commands[i], out var invocation, out var rejection))
            {
                invocations.Add(invocation);
            }
            else
            {
                reasons.AddRange(rejection.Reasons.Select(r => $"event {i} (id '{commands[i].Id}'): {r}"));
            }
        }

        if (reasons.Count > 0)
        {
            return new StepBatchResult([], reasons, []);
        }

        var replies = new List<CloudEvent>(invocations.Count);
        var running = new List<string>();
        foreach (var invocation in invocations)
        {
            var result = await ExecuteAsync(invocation, cancellationToken).ConfigureAwait(false);
            if (result.Status == StepFunctionStatus.Replied)
            {
                replies.Add(result.Reply!);
            }
            else
            {
                var command = invocation.Decoded.CloudEvent;
                running.Add($"event {replies.Count + running.Count} (id '{command.Id}'): command '{command.Id}' from '{command.Source}' is already running");
            }
        }

        // When some are running, the others ran and their replies are stored: a retried batch gets them back without running them again.
        return new StepBatchResult(replies, [], running);
    }

    /// <summary>Claims, runs and replies to a prepared command.</summary>
    internal async ValueTask<StepFunctionResult> ExecuteAsync(StepInvocation invocation, CancellationToken cancellationToken)
    {
        var command = invocation.Decoded.CloudEvent;
        var key = new StepInboxKey(_options.EndpointName, command.Source!.ToString(), command.Id!);
        using var activity = StepFunctionDiagnostics.StartRun(
            _options.EndpointName,
            invocation.Step,
            command.Type,
            command.Id,
            invocation.SagaId,
            invocation.Attempt,
            command[SagaAttributes.TraceParent.Name] as string,
            command[SagaAttributes.TraceState.Name] as string);
        var claim = await _inbox.TryClaimAsync(key, cancellationToken).ConfigureAwait(false);
        switch (claim.Status)
        {
            case StepInboxClaimStatus.Completed:
                LogDuplicate(_logger, command.Id!, command.Source, invocation.Step, invocation.SagaId);
                return StepFunctionResult.Replied(claim.Reply, Converter, isDuplicate: true);
            case StepInboxClaimStatus.InProgress:
                LogInProgress(_logger, command.Id!, command.Source, invocation.Step, invocation.SagaId);
                return StepFunctionResult.InProgress();
        }

        ReadOnlyMemory<byte> stored;
        try
        {
            var reply = await InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
            var encoded = Converter.EncodeStructured(BuildReply(invocation, key, reply));

            // Not cancellable: the handler's effects happened, so its reply must be kept.
            stored = await _inbox.CompleteAsync(key, claim.LeaseId, encoded, CancellationToken.None).ConfigureAwait(false);
        }
        catch
        {
            await _inbox.ReleaseAsync(key, claim.LeaseId, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        // The stored bytes, so the first answer and every duplicate's are the same event.
        return StepFunctionResult.Replied(stored, Converter, isDuplicate: false);
    }

    private async ValueTask<object> InvokeAsync(StepInvocation invocation, CancellationToken cancellationToken)
    {
        var (sagaId, step, attempt, compensation) = (invocation.SagaId, invocation.Step, invocation.Attempt, invocation.Compensation);
        var context = new StepContext(sagaId, step, attempt, compensation, cancellationToken);
        try
        {
            var scope = _scopes.CreateAsyncScope();
            await using (scope.ConfigureAwait(false))
            {
                var outcome = await invocation.Invoker.InvokeAsync(scope.ServiceProvider, invocation.Decoded.Message, context, Converter.JsonOptions).ConfigureAwait(false);
                return StepReplies.Outcome(context, outcome.Result, outcome.FailureReason);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogTransientFailure(_logger, ex, step, sagaId, attempt);
            return StepReplies.Threw(context, ex);
        }
    }

    private CloudEvent BuildReply(StepInvocation invocation, StepInboxKey key, object reply)
    {
        var command = invocation.Decoded.CloudEvent;
        var sagaId = invocation.SagaId.ToString();
        // Encoded at once for the inbox, so the data is written straight from the reply.
        var built = Converter.ToCloudEvent(reply, new EventMetadata
        {
            Id = ReplyId(key),
            Source = _options.Source,
            Subject = sagaId,
            Time = _timeProvider.GetUtcNow(),
            CorrelationId = sagaId,
            CausationId = command.Id,
            TraceParent = Activity.Current is { IdFormat: ActivityIdFormat.W3C } activity ? activity.Id : command[SagaAttributes.TraceParent.Name] as string,
            TraceState = Activity.Current is { IdFormat: ActivityIdFormat.W3C } current ? current.TraceStateString : command[SagaAttributes.TraceState.Name] as string,
        }, serializeData: false);
        if (command[SagaAttributes.Placement.Name] is string placement)
        {
            built[SagaAttributes.Placement] = placement; // where the sender placed the command, back for the saga's history
        }

        return built;
    }

    /// <summary>A name-based UUID (version 8) of the inbox key: the same command always gets the same reply id.</summary>
    internal static string ReplyId(StepInboxKey key)
        => NameBasedId.Create($"sagas-step-reply\n{key.Endpoint}\n{key.Source}\n{key.Id}").ToString();

    private StepFunctionRejection Reject(CloudEvent command, IReadOnlyList<string> reasons)
    {
        var rejection = new StepFunctionRejection(command.Type, command.Id, command.Source?.ToString(), reasons);
        LogRejected(_logger, rejection.Message);
        return rejection;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Rejection}")]
    private static partial void LogRejected(ILogger logger, string rejection);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Step {Step} of saga {SagaId} failed on attempt {Attempt}; replying with a transient StepFailed")]
    private static partial void LogTransientFailure(ILogger logger, Exception exception, string step, Guid sagaId, int attempt);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Command {Id} from {Source} (step {Step} of saga {SagaId}) already ran; replying with the stored reply")]
    private static partial void LogDuplicate(ILogger logger, string id, Uri source, string step, Guid sagaId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Command {Id} from {Source} (step {Step} of saga {SagaId}) is already running; answering in progress")]
    private static partial void LogInProgress(ILogger logger, string id, Uri source, string step, Guid sagaId);
}

/// <summary>A decoded, checked step command, ready to run.</summary>
internal sealed record StepInvocation(DecodedEvent Decoded, StepHandlerInvoker Invoker, Guid SagaId, string Step, int Attempt, bool Compensation);

/// <summary>What a batch came to: the replies, or why none ran (<see cref="Rejections"/>), or which are still running.</summary>
internal sealed record StepBatchResult(IReadOnlyList<CloudEvent> Replies, IReadOnlyList<string> Rejections, IReadOnlyList<string> Running);
