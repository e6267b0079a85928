using Amazon.SQS;
using Amazon.SQS.Model;
using CloudNative.CloudEvents;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Sagas.CloudEvents;
using Sagas.Functions.Aws.Sqs;
using Sagas.Functions.ClaimCheck;
using Sagas.Functions.Queues;

namespace Sagas.Functions.Aws.Channel;

/// <summary>
/// The container side of a step that runs behind SQS: sends step commands to the function's request queue and hands the
/// replies from the reply queue to a callback.
/// </summary>
/// <remarks>
/// <para><b>Sending.</b> A command goes as a structured-mode CloudEvent (<c>application/cloudevents+json</c>) in the message
/// body. To a FIFO queue (URL ending in <c>.fifo</c>) it goes with MessageGroupId = the saga id (<c>subject</c>, else
/// <c>correlationid</c>), so one saga's commands stay in order while sagas run in parallel, and MessageDeduplicationId =
/// the CloudEvents <c>id</c>, so a resend within SQS's five-minute window is dropped (an id SQS cannot take, longer than
/// 128 characters or not printable ASCII, is replaced by its SHA-256). A command larger than
/// <see cref="SqsStepChannelOptions.MaxMessageBytes"/> travels by claim check (<see cref="ClaimChecks"/>).</para>
/// <para><b>Receiving.</b> Replies are long-polled; each is parsed, its claim check redeemed, and handed to the callback
/// in the order received. A reply is deleted only after its callback returned; when the callback throws, the reply stays
/// and comes back after <see cref="SqsStepChannelOptions.VisibilityTimeout"/> (so the callback must be idempotent, as the
/// saga's inbox is). A message that is not a CloudEvent is logged and left to the queue's redrive policy.</para>
/// <para>Thread-safe. The channel does not own the <see cref="IAmazonSQS"/> client.</para>
/// </remarks>
public sealed partial class SqsStepChannel : IQueueStepChannel
{
    private readonly IAmazonSQS _sqs;
    private readonly SqsStepChannelOptions _options;
    private readonly QueueCloudEvents _events;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates the channel.</summary>
    /// <param name="sqs">The SQS client.</param>
    /// <param name="options">Queue URLs and receive settings; validated now.</param>
    /// <param name="claimChecks">Where commands over the size limit keep their data; without one, such a command fails to send.</param>
    /// <param name="logger">Logs failed callbacks and unreadable replies.</param>
    /// <param name="timeProvider">Times the pause after a failed receive; default <see cref="TimeProvider.System"/>.</param>
    /// <exception cref="OptionsValidationException">The options are invalid; the message names each setting.</exception>
    public SqsStepChannel(
        IAmazonSQS sqs,
        SqsStepChannelOptions options,
        IClaimCheckStore? claimChecks = null,
        ILogger<SqsStepChannel>? logger = null,
        TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(sqs);
        ArgumentNullException.ThrowIfNull(options);
        OptionsValidation.ThrowIfInvalid(new SqsStepChannelOptionsValidator(), options);

        _sqs = sqs;
        _options = options;
        _events = SqsMessages.CloudEvents(claimChecks, options.MaxMessageBytes);
        _logger = logger ?? NullLogger<SqsStepChannel>.Instance;
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The options in use.</summary>
    public SqsStepChannelOptions Options => _options;

    /// <summary>Sends a step command to <see cref="SqsStepChannelOptions.RequestQueueUrl"/>; see the class remarks.</summary>
    /// <param name="command">The step command; not modified.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <returns>The SQS message id, the body size and the claim check, if one was needed.</returns>
    /// <exception cref="InvalidOperationException">The command is too large and no claim-check store was given.</exception>
    /// <exception cref="ArgumentException">A FIFO queue and the command has no saga id.</exception>
    /// <exception cref="AmazonSQSException">SQS refused the message; sending again is safe (same id, same dedup id).</exception>
    public async Task<QueueStepSent> SendAsync(CloudEvent command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (_options.SendReplyTo && command[SqsAttributes.ReplyTo.Name] is null)
        {
            command = WithReplyTo(command, _options.ReplyQueueUrl!);
        }

        var (request, bytes, claimCheck) = await _events.CreateSendRequestAsync(_options.RequestQueueUrl!, command, cancellationToken).ConfigureAwait(false);
        var response = await _sqs.SendMessageAsync(request, cancellationToken).ConfigureAwait(false);
        return new QueueStepSent(response.MessageId, bytes, claimCheck);
    }

    /// <summary>
    /// Receives once from <see cref="SqsStepChannelOptions.ReplyQueueUrl"/> (waiting up to
    /// <see cref="SqsStepChannelOptions.ReceiveWaitTime"/>), hands each reply to <paramref name="onReply"/> in order, and
    /// deletes those whose callback returned.
    /// </summary>
    /// <param name="onReply">Called once per reply; throw to have the reply delivered again later.</param>
    /// <param name="cancellationToken">Cancels the receive; a reply whose callback did not finish stays in the queue, those handled are still deleted.</param>
    /// <returns>How many replies were handled and deleted.</returns>
    /// <exception cref="AmazonSQSException">The receive call failed.</exception>
    public async Task<int> ReceiveRepliesAsync(Func<CloudEvent, CancellationToken, Task> onReply, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(onReply);
        var queueUrl = _options.ReplyQueueUrl!;
        var response = await _sqs.ReceiveMessageAsync(
            new ReceiveMessageRequest
            {
                QueueUrl = queueUrl,
                MaxNumberOfMessages = _options.ReceiveBatchSize,
                WaitTimeSeconds = (int)_options.ReceiveWaitTime.TotalSeconds,
                VisibilityTimeout = (int)_options.VisibilityTimeout.TotalSeconds,
            },
            cancellationToken).ConfigureAwait(false);

        var messages = response.Messages; // AWSSDK v4: null, not empty, when nothing arrived
        if (messages is null || messages.Count == 0)
        {
            return 0;
        }

        var handled = new List<DeleteMessageBatchRequestEntry>(messages.Count);
        foreach (var message in messages)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                break; // the rest come back after the visibility timeout; those handled are still deleted below
            }

            CloudEvent reply;
            try
            {
                reply = await _events.ReadAsync(message.Body, cancellationToken).ConfigureAwait(false);
            }
            catch (CloudEventRejectedException ex)
            {
                LogUnreadableReply(_logger, message.MessageId, queueUrl, ex.Message);
                continue;
            }

            try
            {
                await onReply(reply, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                LogCallbackFailed(_logger, ex, message.MessageId, reply.Id, queueUrl);
                continue;
            }

            handled.Add(new DeleteMessageBatchRequestEntry { Id = handled.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), ReceiptHandle = message.ReceiptHandle });
        }

        if (handled.Count == 0)
        {
            return 0;
        }

        // Not cancellable: the callbacks ran, so their replies must go.
        var deleted = await _sqs.DeleteMessageBatchAsync(new DeleteMessageBatchRequest { QueueUrl = queueUrl, Entries = handled }, CancellationToken.None).ConfigureAwait(false);
        foreach (var failed in deleted.Failed ?? [])
        {
            LogDeleteFailed(_logger, queueUrl, failed.Code, failed.Message);
        }

        return handled.Count - (deleted.Failed?.Count ?? 0);
    }

    /// <summary>
    /// Receives replies until <paramref name="cancellationToken"/> is cancelled (see <see cref="ReceiveRepliesAsync"/>).
    /// A failed receive is logged and retried after <see cref="SqsStepChannelOptions.ReceiveErrorDelay"/>.
    /// </summary>
    /// <param name="onReply">Called once per reply; throw to have the reply delivered again later.</param>
    /// <param name="cancellationToken">Stops listening.</param>
    /// <returns>A task that completes when listening stopped.</returns>
    public async Task ListenAsync(Func<CloudEvent, CancellationToken, Task> onReply, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(onReply);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await ReceiveRepliesAsync(onReply, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogReceiveFailed(_logger, ex, _options.ReplyQueueUrl!);
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

    private static CloudEvent WithReplyTo(CloudEvent command, string replyTo)
    {
        var copy = new CloudEvent(command.SpecVersion, command.ExtensionAttributes);
        foreach (var (attribute, value) in command.GetPopulatedAttributes())
        {
            if (attribute != CloudEventsSpecVersion.SpecVersionAttribute)
            {
                copy[attribute] = value;
            }
        }

        copy.Data = command.Data;
        copy[SqsAttributes.ReplyTo] = replyTo;
        return copy;
    }

    Task IQueueStepChannel.SendCommandAsync(CloudEvent command, CancellationToken cancellationToken) => SendAsync(command, cancellationToken);

    [LoggerMessage(Level = LogLevel.Error, Message = "SQS message {MessageId} on {QueueUrl} is not a readable reply and stays for the queue's redrive policy: {Reason}")]
    private static partial void LogUnreadableReply(ILogger logger, string messageId, string queueUrl, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The reply callback failed for SQS message {MessageId} (CloudEvent {EventId}) on {QueueUrl}; it will be delivered again")]
    private static partial void LogCallbackFailed(ILogger logger, Exception exception, string messageId, string? eventId, string queueUrl);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A handled reply could not be deleted from {QueueUrl} ({Code}: {Reason}); it will be delivered again")]
    private static partial void LogDeleteFailed(ILogger logger, string queueUrl, string code, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Receiving replies from {QueueUrl} failed; retrying")]
    private static partial void LogReceiveFailed(ILogger logger, Exception exception, string queueUrl);
}
