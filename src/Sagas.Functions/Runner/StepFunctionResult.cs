using CloudNative.CloudEvents;
using Sagas.CloudEvents;

namespace Sagas.Functions.Runner;

/// <summary>How <see cref="StepFunctionRunner.RunAsync"/> ended.</summary>
public enum StepFunctionStatus
{
    /// <summary>
    /// The command ran (now or earlier) and <see cref="StepFunctionResult.Reply"/> is its reply: a
    /// <c>StepCompleted</c>, or a <c>StepFailed</c> for a business failure (permanent) or a handler exception (transient).
    /// </summary>
    Replied,

    /// <summary>
    /// The command can never run: malformed, unknown type, invalid data, no handler, or missing saga attributes.
    /// <see cref="StepFunctionResult.Rejection"/> names every reason. Retrying it cannot help: dead-letter it.
    /// </summary>
    Rejected,

    /// <summary>Another execution of the same command is running: deliver it again later to get its reply.</summary>
    InProgress,
}

/// <summary>Why a command was rejected, with whatever could be read of the event.</summary>
/// <param name="EventType">The CloudEvents <c>type</c>, when it could be read.</param>
/// <param name="EventId">The CloudEvents <c>id</c>, when it could be read.</param>
/// <param name="EventSource">The CloudEvents <c>source</c>, when it could be read.</param>
/// <param name="Reasons">Every problem found, one entry each (e.g. one per failed validation rule).</param>
public sealed record StepFunctionRejection(string? EventType, string? EventId, string? EventSource, IReadOnlyList<string> Reasons)
{
    /// <summary>The rejection of an event the converter refused, naming the event as far as it could be read.</summary>
    public static StepFunctionRejection From(CloudEventRejectedException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return new(exception.EventType, exception.EventId, exception.EventSource, exception.Reasons);
    }

    /// <summary>A one-line description naming the event and every reason.</summary>
    public string Message
    {
        get
        {
            var what = EventType is null ? "CloudEvent" : $"CloudEvent '{EventType}'";
            if (EventId is not null)
            {
                what += $" id '{EventId}'";
            }

            if (EventSource is not null)
            {
                what += $" from '{EventSource}'";
            }

            return $"{what} was rejected: {string.Join("; ", Reasons)}";
        }
    }
}

/// <summary>The outcome of one <see cref="StepFunctionRunner.RunAsync"/> call: a reply, a rejection, or "in progress".</summary>
public sealed class StepFunctionResult
{
    private readonly CloudEventConverter? _converter;
    private CloudEvent? _reply;

    private StepFunctionResult(StepFunctionStatus status, ReadOnlyMemory<byte> replyBody, CloudEventConverter? converter, bool isDuplicate, StepFunctionRejection? rejection)
    {
        Status = status;
        ReplyBody = replyBody;
        _converter = converter;
        IsDuplicate = isDuplicate;
        Rejection = rejection;
    }

    /// <summary>How the run ended.</summary>
    public StepFunctionStatus Status { get; }

    /// <summary>The reply CloudEvent when <see cref="Status"/> is <see cref="StepFunctionStatus.Replied"/>; otherwise <see langword="null"/>.</summary>
    /// <remarks>Decoded from <see cref="ReplyBody"/> when first read: a host that answers in structured mode sends the body as it is.</remarks>
    public CloudEvent? Reply => _reply ?? (Status == StepFunctionStatus.Replied ? _reply = _converter!.DecodeStructured(ReplyBody) : null);

    /// <summary>
    /// The reply as the inbox stored it, a structured-mode CloudEvent (<c>application/cloudevents+json</c>), when
    /// <see cref="Status"/> is <see cref="StepFunctionStatus.Replied"/>; otherwise empty. The first answer and every
    /// duplicate's are these same bytes.
    /// </summary>
    public ReadOnlyMemory<byte> ReplyBody { get; }

    /// <summary>Whether <see cref="Reply"/> was produced by an earlier execution of the same command (the handler did not run now).</summary>
    public bool IsDuplicate { get; }

    /// <summary>Why the command was rejected when <see cref="Status"/> is <see cref="StepFunctionStatus.Rejected"/>; otherwise <see langword="null"/>.</summary>
    public StepFunctionRejection? Rejection { get; }

    internal static StepFunctionResult Replied(ReadOnlyMemory<byte> stored, CloudEventConverter converter, bool isDuplicate)
        => new(StepFunctionStatus.Replied, stored, converter, isDuplicate, null);

    internal static StepFunctionResult Rejected(StepFunctionRejection rejection) => new(StepFunctionStatus.Rejected, default, null, false, rejection);

    internal static StepFunctionResult InProgress() => new(StepFunctionStatus.InProgress, default, null, false, null);
}
