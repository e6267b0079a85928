using Azure.Storage.Queues.Models;
using CloudNative.CloudEvents;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Sagas.CloudEvents;
using Sagas.Functions.Azure.Queues;
using Sagas.Functions.ClaimCheck;
using Sagas.Functions.Queues;
using Sagas.Functions.Runner;

namespace Sagas.Functions.Azure.QueueTrigger;

/// <summary>How <see cref="StepQueueTrigger.RunAsync(string, string, QueueTriggerMetadata, CancellationToken)"/> ended without throwing.</summary>
public enum StepQueueTriggerOutcome
{
    /// <summary>The command ran (now or earlier) and its reply was sent to the reply queue.</summary>
    Replied,

    /// <summary>
    /// The message went to <c>&lt;queue&gt;-poison</c> with its reasons: a command that can never run (rejected), or one
    /// that failed on its last allowed delivery. Returning lets the host delete the original.
    /// </summary>
    Poisoned,
}

/// <summary>
/// The queue trigger of an Azure Functions app (isolated worker) that runs saga steps: call it from a
/// <c>[QueueTrigger]</c> function. It reads the step command, runs it through <see cref="StepFunctionRunner"/>, and sends
/// the reply to <see cref="StepQueueTriggerOptions.ReplyQueueName"/>.
/// </summary>
/// <example>
/// <code>
/// [Function("GenerateInvoice")]
/// public Task GenerateInvoice([QueueTrigger("generate-invoice")] QueueMessage message, CancellationToken cancellationToken)
///     => trigger.RunAsync("generate-invoice", message, cancellationToken);
/// </code>
/// </example>
/// <remarks>
/// <para><b>Messages.</b> A command is a structured-mode CloudEvent (<c>application/cloudevents+json</c>) as the message
/// text; the queue holds it Base64-encoded, which the host decodes before the function runs. A command whose data travels
/// by claim check is redeemed through the registered <see cref="IClaimCheckStore"/>; a reply over
/// <see cref="StepQueueTriggerOptions.MaxMessageBytes"/> is sent the same way.</para>
/// <para><b>Failures, as Azure handles poison messages.</b> Returning normally lets the host delete the message; throwing
/// makes the host deliver it again (after host.json's <c>visibilityTimeout</c>), with <c>DequeueCount</c> one higher.</para>
/// <list type="bullet">
/// <item>A command that can never run (not a CloudEvent, unknown type, invalid data, missing saga attributes, a claim check
/// that cannot be redeemed) goes to <c>&lt;queue&gt;-poison</c> at once with every reason; retrying cannot help.</item>
/// <item>A transient failure (the inbox store or the reply queue is unreachable, or another delivery of the same command
/// is still running) throws, so the host retries; on delivery <see cref="StepQueueTriggerOptions.MaxDequeueCount"/> (or
/// later) the message goes to the poison queue with the failure as its reason instead.</item>
/// <item>A handler that throws is not a queue failure: the runner answers with a transient <c>StepFailed</c> reply, and
/// the saga decides whether to retry (with a new command), as with the HTTP host.</item>
/// </list>
/// <para>A poison message is a <see cref="StorageQueuePoisonMessage"/>: the original text with its reasons. If it cannot
/// be written, the trigger throws, and on the last delivery the host moves the bare message to the poison queue itself.</para>
/// <para>Delivery is at least once: a reply may be sent twice (the runner's inbox makes it the same reply), so the
/// receiving side must be idempotent, as the saga's inbox is. Thread-safe; register it as a singleton.</para>
/// </remarks>
public sealed partial class StepQueueTrigger
{
    private readonly StepFunctionRunner _runner;
    private readonly StepQueueTriggerOptions _options;
    private readonly StorageQueueClients _queues;
    private readonly QueueCloudEvents _events;
    private readonly StoragePoisonQueue _poison;
    private readonly ILogger _logger;

    /// <summary>Creates the trigger; <c>AddAzureQueueTrigger</c> registers one in DI.</summary>
    /// <param name="runner">Runs the commands.</param>
    /// <param name="options">The reply queue and the dequeue limit; validated now.</param>
    /// <param name="claimChecks">Redeems commands that travel by claim check and carries large replies; optional.</param>
    /// <param name="timeProvider">Stamps poison messages; default <see cref="TimeProvider.System"/>.</param>
    /// <param name="logger">Logs retries and poison messages.</param>
    /// <exception cref="OptionsValidationException">The options are invalid; the message names each setting.</exception>
    public StepQueueTrigger(
        StepFunctionRunner runner,
        StepQueueTriggerOptions options,
        IClaimCheckStore? claimChecks = null,
        TimeProvider? timeProvider = null,
        ILogger<StepQueueTrigger>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(options);
        OptionsValidation.ThrowIfInvalid(new StepQueueTriggerOptionsValidator(), options);

        _runner = runner;
        _options = options;
        _queues = new StorageQueueClients(StorageQueues.CreateServiceClient(options), options.CreateQueues);
        _events = StorageQueues.CloudEvents(claimChecks, options.MaxMessageBytes);
        _poison = new StoragePoisonQueue(_queues, options.MaxMessageBytes, timeProvider ?? TimeProvider.System);
        _logger = logger ?? NullLogger<StepQueueTrigger>.Instance;
    }

    /// <summary>The options in use.</summary>
    public StepQueueTriggerOptions Options => _options;

    /// <summary>Handles a message bound as <see cref="QueueMessage"/> (<c>[QueueTrigger("queue")] QueueMessage message</c>).</summary>
    /// <param name="queueName">The queue of the trigger (the same name as in <c>[QueueTrigger]</c>); its poison queue is <c>&lt;queueName&gt;-poison</c>.</param>
    /// <param name="message">The message, as the host binds it (text already Base64-decoded).</param>
    /// <param name="cancellationToken">The invocation's cancellation token (host shutdown).</param>
    /// <returns>How the message was handled; see the class remarks for what throws.</returns>
    public Task<StepQueueTriggerOutcome> RunAsync(string queueName, QueueMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        return RunAsync(queueName, message.Body?.ToString() ?? string.Empty, QueueTriggerMetadata.FromQueueMessage(message), cancellationToken);
    }

    /// <summary>
    /// Handles a message bound as <see cref="string"/> (<c>[QueueTrigger("queue")] string message, FunctionContext context</c>),
    /// reading <c>DequeueCount</c>, <c>Id</c> and the other metadata from <c>context.BindingContext.BindingData</c>.
    /// </summary>
    /// <param name="queueName">The queue of the trigger; its poison queue is <c>&lt;queueName&gt;-poison</c>.</param>
    /// <param name="message">The message text, as the host binds it (Base64-decoded).</param>
    /// <param name="context">The invocation's context; its cancellation token is used.</param>
    /// <returns>How the message was handled; see the class remarks for what throws.</returns>
    /// <exception cref="FormatException">The binding data has no queue message metadata: not a queue-triggered invocation.</exception>
    public Task<StepQueueTriggerOutcome> RunAsync(string queueName, string message, FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return RunAsync(queueName, message, QueueTriggerMetadata.FromBindingData(context.BindingContext.BindingData), context.CancellationToken);
    }

    /// <summary>Handles one delivery of a queue message; see the class remarks.</summary>
    /// <param name="queueName">The queue of the trigger; its poison queue is <c>&lt;queueName&gt;-poison</c>.</param>
    /// <param name="message">The message text (Base64-decoded).</param>
    /// <param name="metadata">The message's trigger metadata; <see cref="QueueTriggerMetadata.DequeueCount"/> decides retry or poison.</param>
    /// <param name="cancellationToken">The invocation's cancellation token (host shutdown).</param>
    /// <returns>How the message was handled.</returns>
    /// <exception cref="InvalidOperationException">Another delivery of the same command is running, before the last delivery: the host retries.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled: the host delivers the message again.</exception>
    public async Task<StepQueueTriggerOutcome> RunAsync(string queueName, string message, QueueTriggerMetadata metadata, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(metadata);
        if (string.IsNullOrEmpty(queueName) || !StorageQueues.IsValidQueueName(queueName))
        {
            throw new ArgumentException($"'{queueName}' is not an Azure queue name: pass the queue of the [QueueTrigger].", nameof(queueName));
        }

        CloudEvent? command = null;
        (string? Type, string? Id, string? Source) described = default;
        IReadOnlyList<string>? poisonReasons;
        try
        {
            try
            {
                command = await _events.ReadAsync(message, cancellationToken).ConfigureAwait(false);
                poisonReasons = await RunCommandAsync(command, cancellationToken).ConfigureAwait(false);
            }
            catch (CloudEventRejectedException ex)
            {
                poisonReasons = ex.Reasons;
                described = (ex.EventType, ex.EventId, ex.EventSource);
            }
        }
        catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            if (metadata.DequeueCount < _options.MaxDequeueCount)
            {
                LogRetry(_logger, ex, metadata.Id, queueName, metadata.DequeueCount, _options.MaxDequeueCount);
                throw;
            }

            LogLastDeliveryFailed(_logger, ex, metadata.Id, queueName, metadata.DequeueCount);
            poisonReasons = [$"failed on delivery {metadata.DequeueCount} (the limit is {_options.MaxDequeueCount}): {ex.GetType().Name}: {ex.Message}"];
        }

        if (poisonReasons is null)
        {
            return StepQueueTriggerOutcome.Replied;
        }

        var poison = await _poison.SendAsync(
            queueName,
            metadata,
            message,
            poisonReasons,
            command is null ? described : (command.Type, command.Id, command.Source?.ToString()),
            cancellationToken).ConfigureAwait(false);
        LogPoisoned(_logger, metadata.Id, queueName, StorageQueues.PoisonQueueName(queueName), poison.Reason);
        return StepQueueTriggerOutcome.Poisoned;
    }

    /// <summary>Runs the command and sends its reply; returns the rejection reasons of a command that can never run.</summary>
    private async Task<IReadOnlyList<string>?> RunCommandAsync(CloudEvent command, CancellationToken cancellationToken)
    {
        var result = await _runner.RunAsync(command, cancellationToken).ConfigureAwait(false);
        switch (result.Status)
        {
            case StepFunctionStatus.Rejected:
                return result.Rejection!.Reasons;
            case StepFunctionStatus.InProgress:
                throw new InvalidOperationException($"Command '{command.Id}' from '{command.Source}' is being run by another delivery; this delivery will be retried to get its reply.");
        }

        var replyQueue = await _queues.GetAsync(_options.ReplyQueueName!, cancellationToken).ConfigureAwait(false);
        var (text, _, _) = await _events.EncodeAsync(result.Reply!, replyQueue.Name, cancellationToken).ConfigureAwait(false);
        await replyQueue.SendMessageAsync(text, cancellationToken).ConfigureAwait(false);
        return null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queue message {MessageId} of {Queue} failed on delivery {DequeueCount} of {MaxDequeueCount}; the host will deliver it again")]
    private static partial void LogRetry(ILogger logger, Exception exception, string messageId, string queue, long dequeueCount, int maxDequeueCount);

    [LoggerMessage(Level = LogLevel.Error, Message = "Queue message {MessageId} of {Queue} failed on its last delivery ({DequeueCount}); moving it to the poison queue")]
    private static partial void LogLastDeliveryFailed(ILogger logger, Exception exception, string messageId, string queue, long dequeueCount);

    [LoggerMessage(Level = LogLevel.Error, Message = "Queue message {MessageId} of {Queue} was moved to {PoisonQueue}: {Reason}")]
    private static partial void LogPoisoned(ILogger logger, string messageId, string queue, string poisonQueue, string reason);
}
