using Azure;
using Azure.Storage.Queues.Models;
using CloudNative.CloudEvents;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Sagas.CloudEvents;
using Sagas.Functions.Azure.Queues;
using Sagas.Functions.Azure.QueueTrigger;
using Sagas.Functions.ClaimCheck;
using Sagas.Functions.Queues;

namespace Sagas.Functions.Azure.Channel;

/// <summary>
/// The container side of a step that runs behind an Azure Storage Queue (typically an Azure Function with a queue
/// trigger and <see cref="StepQueueTrigger"/>): sends step commands to the request queue and hands the replies from the
/// reply queue to a callback.
/// </summary>
/// <remarks>
/// <para><b>Sending.</b> A command goes as a structured-mode CloudEvent (<c>application/cloudevents+json</c>), Base64-encoded
/// (<see cref="global::Azure.Storage.Queues.QueueMessageEncoding.Base64"/>), which is what an Azure Functions queue trigger
/// decodes. A command over <see cref="StorageQueueStepChannelOptions.MaxMessageBytes"/> (64 KiB after encoding) travels by
/// claim check (<see cref="ClaimChecks"/>) through the store given to the channel; without one it fails to send.</para>
/// <para><b>Receiving.</b> Storage Queues have no long polling: <see cref="ListenAsync"/> polls, backing off from
/// <see cref="StorageQueueStepChannelOptions.MinPollingInterval"/> to <see cref="StorageQueueStepChannelOptions.MaxPollingInterval"/>
/// while the queue is empty. Each reply is parsed, its claim check redeemed, and handed to the callback in the order
/// received. A reply is deleted only after its callback returned. When the callback throws, the reply comes back after
/// <see cref="StorageQueueStepChannelOptions.RetryDelay"/>, so the callback must be idempotent, as the saga's inbox is; on
/// delivery <see cref="StorageQueueStepChannelOptions.MaxDequeueCount"/> it goes to <c>&lt;reply queue&gt;-poison</c> with the
/// failure as its reason instead (a <see cref="StorageQueuePoisonMessage"/>). A message that is not a CloudEvent goes
/// there at once.</para>
/// <para>Thread-safe.</para>
/// </remarks>
public sealed partial class StorageQueueStepChannel : IQueueStepChannel
{
    private readonly StorageQueueStepChannelOptions _options;
    private readonly StorageQueueClients _queues;
    private readonly QueueCloudEvents _events;
    private readonly StoragePoisonQueue _poison;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates the channel.</summary>
    /// <param name="options">The storage account, the queues and the receive settings; validated now.</param>
    /// <param name="claimChecks">Where commands over the size limit keep their data (and where large replies are redeemed); optional.</param>
    /// <param name="logger">Logs failed callbacks and poison replies.</param>
    /// <param name="timeProvider">Times polling pauses and stamps poison messages; default <see cref="TimeProvider.System"/>.</param>
    /// <exception cref="OptionsValidationException">The options are invalid; the message names each setting.</exception>
    public StorageQueueStepChannel(
        StorageQueueStepChannelOptions options,
        IClaimCheckStore? claimChecks = null,
        ILogger<StorageQueueStepChannel>? logger = null,
        TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        OptionsValidation.ThrowIfInvalid(new StorageQueueStepChannelOptionsValidator(), options);

        _options = options;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _queues = new StorageQueueClients(StorageQueues.CreateServiceClient(options), options.CreateQueues);
        _events = StorageQueues.CloudEvents(claimChecks, options.MaxMessageBytes);
        _poison = new StoragePoisonQueue(_queues, options.MaxMessageBytes, _timeProvider);
        _logger = logger ?? NullLogger<StorageQueueStepChannel>.Instance;
    }

    /// <summary>The options in use.</summary>
    public StorageQueueStepChannelOptions Options => _options;

    /// <summary>Sends a step command to <see cref="StorageQueueStepChannelOptions.RequestQueueName"/>; see the class remarks.</summary>
    /// <param name="command">The step command; not modified.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <returns>The message id, the stored size and the claim check, if one was needed.</returns>
    /// <exception cref="InvalidOperationException">The command is too large and no claim-check store was given.</exception>
    /// <exception cref="RequestFailedException">The queue service refused the message; sending again is safe (the function's inbox dedups on the CloudEvent id).</exception>
    public async Task<QueueStepSent> SendAsync(CloudEvent command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        var queue = await _queues.GetAsync(_options.RequestQueueName!, cancellationToken).ConfigureAwait(false);
        var (text, bytes, claimCheck) = await _events.EncodeAsync(command, queue.Name, cancellationToken).ConfigureAwait(false);
        var receipt = await queue.SendMessageAsync(text, cancellationToken).ConfigureAwait(false);
        return new QueueStepSent(receipt.Value.MessageId, bytes, claimCheck);
    }

    /// <summary>
    /// Receives once from <see cref="StorageQueueStepChannelOptions.ReplyQueueName"/> (no waiting: an empty queue returns
    /// 0 at once), hands each reply to <paramref name="onReply"/> in order, and deletes those whose callback returned.
    /// </summary>
    /// <param name="onReply">Called once per reply; throw to have the reply delivered again later.</param>
    /// <param name="cancellationToken">Cancels the receive; a reply whose callback was not reached comes back after the visibility timeout.</param>
    /// <returns>How many replies were handled and deleted.</returns>
    /// <exception cref="RequestFailedException">The receive call failed.</exception>
    public async Task<int> ReceiveRepliesAsync(Func<CloudEvent, CancellationToken, Task> onReply, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(onReply);
        var (_, handled) = await ReceiveAsync(onReply, cancellationToken).ConfigureAwait(false);
        return handled;
    }

    /// <summary>
    /// Receives replies until <paramref name="cancellationToken"/> is cancelled (see <see cref="ReceiveRepliesAsync"/> and
    /// the polling in the class remarks). A failed receive is logged and retried after
    /// <see cref="StorageQueueStepChannelOptions.ReceiveErrorDelay"/>.
    /// </summary>
    /// <param name="onReply">Called once per reply; throw to have the reply delivered again later.</param>
    /// <param name="cancellationToken">Stops listening.</param>
    /// <returns>A task that completes when listening stopped.</returns>
    public async Task ListenAsync(Func<CloudEvent, CancellationToken, Task> onReply, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(onReply);
        var pause = _options.MinPollingInterval;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var (received, _) = await ReceiveAsync(onReply, cancellationToken).ConfigureAwait(false);
                if (received > 0)
                {
                    pause = _options.MinPollingInterval;
                    continue; // more may be waiting
                }

                await Task.Delay(pause, _timeProvider, cancellationToken).ConfigureAwait(false);
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, _options.MaxPollingInterval.Ticks));
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogReceiveFailed(_logger, ex, _options.ReplyQueueName!);
                try
                {
                    await Task.Delay(_options.ReceiveErrorDelay, _timeProvider, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task<(int Received, int Handled)> ReceiveAsync(Func<CloudEvent, CancellationToken, Task> onReply, CancellationToken cancellationToken)
    {
        var queue = await _queues.GetAsync(_options.ReplyQueueName!, cancellationToken).ConfigureAwait(false);
        QueueMessage[] messages = await queue.ReceiveMessagesAsync(_options.ReceiveBatchSize, _options.VisibilityTimeout, cancellationToken).ConfigureAwait(false);
        var handled = 0;
        foreach (var message in messages)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var text = message.Body?.ToString() ?? string.Empty;
            IReadOnlyList<string>? poisonReasons = null;
            CloudEvent? reply = null;
            (string? Type, string? Id, string? Source) described = default;
            try
            {
                reply = await _events.ReadAsync(text, cancellationToken).ConfigureAwait(false);
                await onReply(reply, cancellationToken).ConfigureAwait(false);
            }
            catch (CloudEventRejectedException ex)
            {
                poisonReasons = ex.Reasons;
                described = (ex.EventType, ex.EventId, ex.EventSource); // the reply may not have been read at all
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                if (message.DequeueCount < _options.MaxDequeueCount)
                {
                    LogCallbackFailed(_logger, ex, message.MessageId, reply?.Id, queue.Name, message.DequeueCount, _options.MaxDequeueCount);
                    await ReleaseAsync(queue, message).ConfigureAwait(false);
                    continue;
                }

                poisonReasons = [$"the reply callback failed on delivery {message.DequeueCount} (the limit is {_options.MaxDequeueCount}): {ex.GetType().Name}: {ex.Message}"];
            }

            if (poisonReasons is not null)
            {
                try
                {
                    var poison = await _poison.SendAsync(
                        queue.Name,
                        QueueTriggerMetadata.FromQueueMessage(message),
                        text,
                        poisonReasons,
                        reply is null ? described : (reply.Type, reply.Id, reply.Source?.ToString()),
                        CancellationToken.None).ConfigureAwait(false);
                    LogPoisoned(_logger, message.MessageId, queue.Name, StorageQueues.PoisonQueueName(queue.Name), poison.Reason);
                }
                catch (Exception ex) when (ex is RequestFailedException or InvalidOperationException)
                {
                    LogPoisonFailed(_logger, ex, message.MessageId, queue.Name);
                    continue; // it comes back after the visibility timeout
                }
            }

            try
            {
                // Not cancellable: the callback ran (or the reply is in the poison queue), so the message must go.
                await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, CancellationToken.None).ConfigureAwait(false);
                if (poisonReasons is null)
                {
                    handled++;
                }
            }
            catch (RequestFailedException ex)
            {
                // Typically the visibility timeout ran out during the callback and another receiver holds it now.
                LogDeleteFailed(_logger, message.MessageId, queue.Name, ex.ErrorCode, ex.Message);
            }
        }

        return (messages.Length, handled);
    }

    /// <summary>Makes a reply whose callback failed visible again after <see cref="StorageQueueStepChannelOptions.RetryDelay"/>.</summary>
    private async Task ReleaseAsync(global::Azure.Storage.Queues.QueueClient queue, QueueMessage message)
    {
        try
        {
            await queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, message.Body, _options.RetryDelay, CancellationToken.None).ConfigureAwait(false);
        }
        catch (RequestFailedException ex)
        {
            // It comes back after the visibility timeout instead.
            LogReleaseFailed(_logger, message.MessageId, queue.Name, ex.ErrorCode, ex.Message);
        }
    }

    Task IQueueStepChannel.SendCommandAsync(CloudEvent command, CancellationToken cancellationToken) => SendAsync(command, cancellationToken);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The reply callback failed for queue message {MessageId} (CloudEvent {EventId}) on {Queue}, delivery {DequeueCount} of {MaxDequeueCount}; it will be delivered again")]
    private static partial void LogCallbackFailed(ILogger logger, Exception exception, string messageId, string? eventId, string queue, long dequeueCount, int maxDequeueCount);

    [LoggerMessage(Level = LogLevel.Error, Message = "Reply message {MessageId} of {Queue} was moved to {PoisonQueue}: {Reason}")]
    private static partial void LogPoisoned(ILogger logger, string messageId, string queue, string poisonQueue, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Reply message {MessageId} of {Queue} could not be moved to the poison queue; it stays and will be delivered again")]
    private static partial void LogPoisonFailed(ILogger logger, Exception exception, string messageId, string queue);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A handled reply {MessageId} could not be deleted from {Queue} ({Code}: {Reason}); it will be delivered again")]
    private static partial void LogDeleteFailed(ILogger logger, string messageId, string queue, string? code, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reply {MessageId} on {Queue} could not be released for a retry ({Code}: {Reason}); it comes back after the visibility timeout")]
    private static partial void LogReleaseFailed(ILogger logger, string messageId, string queue, string? code, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Receiving replies from {Queue} failed; retrying")]
    private static partial void LogReceiveFailed(ILogger logger, Exception exception, string queue);
}
