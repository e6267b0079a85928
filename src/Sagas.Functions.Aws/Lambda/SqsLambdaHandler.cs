using System.Text;
using System.Text.Json;
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
using Sagas.Functions.Runner;

namespace Sagas.Functions.Aws.Lambda;

/// <summary>
/// Runs the step commands of an SQS-triggered Lambda invocation through <see cref="StepFunctionRunner"/> and answers with
/// a partial batch response. <see cref="HandleAsync(Stream, CancellationToken)"/> is a plain <c>Stream → Stream</c>
/// method, which the .NET Lambda runtime invokes without any <c>Amazon.Lambda.*</c> package (see <see cref="SqsLambdaFunction"/>).
/// </summary>
/// <remarks>
/// <para>Configure the event source mapping with <c>FunctionResponseTypes: ["ReportBatchItemFailures"]</c>. Each record's
/// body is a structured-mode CloudEvent; a <c>claimcheck</c> reference is redeemed from the registered
/// <see cref="IClaimCheckStore"/> first. Then, per record:</para>
/// <list type="bullet">
/// <item><b>Replied</b>: the reply (<c>StepCompleted</c>, or <c>StepFailed</c> for a business failure or a handler exception)
/// is sent to the reply queue and the record is done. A handler exception is answered, not retried here: the runner stores
/// the reply, so the saga decides about a new attempt (a new command). A duplicate gets the stored reply again, same id.</item>
/// <item><b>Rejected</b> (malformed, unknown type, invalid data, no handler, missing saga attributes, an unredeemable claim
/// check, a <c>replyto</c> queue not allowed): retrying cannot help, so the original body goes to
/// <see cref="SqsLambdaOptions.DeadLetterQueueUrl"/> with the reasons in the <c>sagas.rejection</c> message attribute
/// (JSON: <c>eventType</c>, <c>eventId</c>, <c>eventSource</c>, <c>reasons</c>), plus <c>sagas.source.messageid</c> and
/// <c>sagas.source.arn</c>, and the record is done: not listed as a failure. It is not a <c>StepFailed</c>: a command
/// that could not be read has no step to fail.</item>
/// <item><b>Listed in <c>batchItemFailures</c></b>, so SQS delivers only these again: anything that may work later: the same
/// command is still running elsewhere (in progress), the reply or dead-letter queue could not be written, the claim-check
/// store or the inbox failed, the invocation was cancelled; and a rejection too large for the dead-letter queue with its
/// reasons (logged; the queue's redrive policy then moves it).</item>
/// </list>
/// <para>Replies go to <see cref="SqsLambdaOptions.ReplyQueueUrl"/>, or to the command's <c>replyto</c> when it names a queue
/// in <see cref="SqsLambdaOptions.AllowedReplyQueueUrls"/>. To a FIFO queue they go with MessageGroupId = saga id and
/// MessageDeduplicationId = reply id (the same for a redelivered command). A reply over
/// <see cref="SqsLambdaOptions.MaxMessageBytes"/> travels by claim check.</para>
/// <para>Records of a FIFO queue run one at a time in order, and after the first listed failure the rest of the batch is
/// listed without running, so a message group never overtakes itself. Records of a standard queue run up to
/// <see cref="SqsLambdaOptions.MaxConcurrency"/> at a time. Thread-safe.</para>
/// </remarks>
public sealed partial class SqsLambdaHandler
{
    internal const string RejectionAttribute = "sagas.rejection";
    internal const string SourceMessageIdAttribute = "sagas.source.messageid";
    internal const string SourceArnAttribute = "sagas.source.arn";

    private readonly StepFunctionRunner _runner;
    private readonly IAmazonSQS _sqs;
    private readonly SqsLambdaOptions _options;
    private readonly QueueCloudEvents _events;
    private readonly ILogger _logger;

    /// <summary>Creates the handler; <c>AddSqsLambdaHandler</c> registers one in DI.</summary>
    /// <param name="runner">Runs the commands.</param>
    /// <param name="sqs">Sends replies and dead letters.</param>
    /// <param name="options">Queues and limits; validated now.</param>
    /// <param name="claimChecks">Redeems <c>claimcheck</c> references and keeps large replies; optional.</param>
    /// <param name="logger">Logs rejections and retries.</param>
    /// <exception cref="OptionsValidationException">The options are invalid; the message names each setting.</exception>
    public SqsLambdaHandler(
        StepFunctionRunner runner,
        IAmazonSQS sqs,
        SqsLambdaOptions options,
        IClaimCheckStore? claimChecks = null,
        ILogger<SqsLambdaHandler>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(sqs);
        ArgumentNullException.ThrowIfNull(options);
        OptionsValidation.ThrowIfInvalid(new SqsLambdaOptionsValidator(), options);

        _runner = runner;
        _sqs = sqs;
        _options = options;
        _events = SqsMessages.CloudEvents(claimChecks, options.MaxMessageBytes);
        _logger = logger ?? NullLogger<SqsLambdaHandler>.Instance;
    }

    /// <summary>Handles one invocation: reads the SQS event JSON, runs its records, writes the partial batch response.</summary>
    /// <param name="input">The invocation payload: an SQS event.</param>
    /// <param name="cancellationToken">Cancelled when the invocation must end; unfinished records are listed as failures.</param>
    /// <returns><c>{"batchItemFailures":[{"itemIdentifier":"&lt;messageId&gt;"}, …]}</c>, empty when every record is done.</returns>
    /// <exception cref="JsonException">The payload is not an SQS event (the whole batch is delivered again).</exception>
    public async Task<Stream> HandleAsync(Stream input, CancellationToken cancellationToken = default)
    {
        var sqsEvent = await SqsEvent.ReadAsync(input, cancellationToken).ConfigureAwait(false);
        var response = await HandleAsync(sqsEvent, cancellationToken).ConfigureAwait(false);
        var output = new MemoryStream();
        await response.WriteAsync(output, CancellationToken.None).ConfigureAwait(false);
        output.Position = 0;
        return output;
    }

    /// <summary>Runs the records of <paramref name="sqsEvent"/>; see the class remarks.</summary>
    /// <param name="sqsEvent">The records.</param>
    /// <param name="cancellationToken">Cancelled when the invocation must end; unfinished records are listed as failures.</param>
    /// <returns>The records to deliver again, in the order of the event.</returns>
    public async Task<SqsBatchResponse> HandleAsync(SqsEvent sqsEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sqsEvent);
        var records = sqsEvent.Records;
        var retry = new bool[records.Count];
        if (records.Any(r => r.EventSourceArn?.EndsWith(".fifo", StringComparison.Ordinal) == true || r.MessageGroupId is not null))
        {
            var failed = false;
            for (var i = 0; i < records.Count; i++)
            {
                failed = retry[i] = failed || await ProcessAsync(records[i], cancellationToken).ConfigureAwait(false) == RecordOutcome.Retry;
            }
        }
        else
        {
            await Parallel.ForEachAsync(
                Enumerable.Range(0, records.Count),
                new ParallelOptions { MaxDegreeOfParallelism = _options.MaxConcurrency },
                async (i, _) => retry[i] = await ProcessAsync(records[i], cancellationToken).ConfigureAwait(false) == RecordOutcome.Retry).ConfigureAwait(false);
        }

        return new SqsBatchResponse { BatchItemFailures = [.. records.Where((_, i) => retry[i]).Select(r => new SqsBatchItemFailure(r.MessageId))] };
    }

    private async Task<RecordOutcome> ProcessAsync(SqsEventRecord record, CancellationToken cancellationToken)
    {
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            CloudEvent command;
            try
            {
                command = await _events.ReadAsync(record.Body, cancellationToken).ConfigureAwait(false);
            }
            catch (CloudEventRejectedException ex)
            {
                return await DeadLetterAsync(record, StepFunctionRejection.From(ex), cancellationToken).ConfigureAwait(false);
            }

            var replyTo = command[SqsAttributes.ReplyTo.Name] as string ?? _options.ReplyQueueUrl!;
            if (!string.Equals(replyTo, _options.ReplyQueueUrl, StringComparison.Ordinal) && !_options.AllowedReplyQueueUrls.Contains(replyTo, StringComparer.Ordinal))
            {
                var reason = $"'{SqsAttributes.ReplyTo.Name}' names the queue '{replyTo}', which this function does not answer on ({nameof(SqsLambdaOptions)}.{nameof(SqsLambdaOptions.AllowedReplyQueueUrls)})";
                return await DeadLetterAsync(record, new StepFunctionRejection(command.Type, command.Id, command.Source?.ToString(), [reason]), cancellationToken).ConfigureAwait(false);
            }

            var result = await _runner.RunAsync(command, cancellationToken).ConfigureAwait(false);
            switch (result.Status)
            {
                case StepFunctionStatus.Replied:
                    var (request, _, _) = await _events.CreateSendRequestAsync(replyTo, result.Reply!, cancellationToken).ConfigureAwait(false);
                    await _sqs.SendMessageAsync(request, cancellationToken).ConfigureAwait(false);
                    return RecordOutcome.Replied;
                case StepFunctionStatus.Rejected:
                    return await DeadLetterAsync(record, result.Rejection!, cancellationToken).ConfigureAwait(false);
                default:
                    LogInProgress(_logger, record.MessageId, command.Id);
                    return RecordOutcome.Retry;
            }
        }
        catch (Exception ex)
        {
            LogRetry(_logger, ex, record.MessageId);
            return RecordOutcome.Retry;
        }
    }

    private async Task<RecordOutcome> DeadLetterAsync(SqsEventRecord record, StepFunctionRejection rejection, CancellationToken cancellationToken)
    {
        var queueUrl = _options.DeadLetterQueueUrl!;
        var body = record.Body ?? "";
        var attributes = new Dictionary<string, MessageAttributeValue>(StringComparer.Ordinal)
        {
            [RejectionAttribute] = new() { DataType = "String", StringValue = RejectionJson(rejection) },
            [SourceMessageIdAttribute] = new() { DataType = "String", StringValue = record.MessageId },
        };
        if (!string.IsNullOrEmpty(record.EventSourceArn))
        {
            attributes[SourceArnAttribute] = new() { DataType = "String", StringValue = record.EventSourceArn };
        }

        // SQS counts the body and every attribute's name, type and value against the message size limit.
        var size = Encoding.UTF8.GetByteCount(body) + attributes.Sum(a => Encoding.UTF8.GetByteCount(a.Key) + a.Value.DataType.Length + Encoding.UTF8.GetByteCount(a.Value.StringValue));
        if (size > _options.MaxMessageBytes)
        {
            LogDeadLetterTooLarge(_logger, record.MessageId, size, _options.MaxMessageBytes, rejection.Message);
            return RecordOutcome.Retry;
        }

        var request = new SendMessageRequest { QueueUrl = queueUrl, MessageBody = body, MessageAttributes = attributes };
        if (SqsMessages.IsFifo(queueUrl))
        {
            request.MessageGroupId = record.MessageGroupId ?? SqsMessages.ToSqsId(record.MessageId);
            request.MessageDeduplicationId = SqsMessages.ToSqsId(record.MessageId);
        }

        await _sqs.SendMessageAsync(request, cancellationToken).ConfigureAwait(false);
        LogDeadLettered(_logger, record.MessageId, queueUrl, rejection.Message);
        return RecordOutcome.DeadLettered;
    }

    internal static string RejectionJson(StepFunctionRejection rejection)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("eventType", rejection.EventType);
            writer.WriteString("eventId", rejection.EventId);
            writer.WriteString("eventSource", rejection.EventSource);
            writer.WriteStartArray("reasons");
            foreach (var reason in rejection.Reasons)
            {
                writer.WriteStringValue(reason);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private enum RecordOutcome
    {
        Replied,
        DeadLettered,
        Retry,
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "SQS message {MessageId} was rejected and moved to {QueueUrl}: {Rejection}")]
    private static partial void LogDeadLettered(ILogger logger, string messageId, string queueUrl, string rejection);

    [LoggerMessage(Level = LogLevel.Error, Message = "SQS message {MessageId} was rejected, but with its reasons it is {Size} bytes, more than {Limit}: left to the queue's redrive policy. {Rejection}")]
    private static partial void LogDeadLetterTooLarge(ILogger logger, string messageId, int size, int limit, string rejection);

    [LoggerMessage(Level = LogLevel.Information, Message = "SQS message {MessageId} (command {EventId}) is already running elsewhere; it will be delivered again")]
    private static partial void LogInProgress(ILogger logger, string messageId, string? eventId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SQS message {MessageId} could not be finished; it will be delivered again")]
    private static partial void LogRetry(ILogger logger, Exception exception, string messageId);
}
