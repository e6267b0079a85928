using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sagas.Functions.Azure.Queues;

/// <summary>
/// What Sagas puts on a poison queue (<c>&lt;queue&gt;-poison</c>): the original message text, unchanged, with why it can
/// never be processed and where it came from. Azure's own poison handling moves the bare message; a Storage Queue message
/// has no properties to carry a reason, so Sagas wraps it in this JSON document instead.
/// </summary>
/// <remarks>
/// To try a message again after fixing the cause, send <see cref="Message"/> back to <see cref="Queue"/> (with
/// Base64 encoding). Parse a poison message with <see cref="Parse"/>.
/// </remarks>
/// <param name="Queue">The queue the message was taken from.</param>
/// <param name="MessageId">Its message id on that queue.</param>
/// <param name="DequeueCount">How many times it had been delivered when it was poisoned.</param>
/// <param name="InsertionTime">When it was added to <paramref name="Queue"/>, when known.</param>
/// <param name="PoisonedAt">When it was moved to the poison queue.</param>
/// <param name="Reasons">Why, one entry per problem (every validation error of a rejected event, or the last failure).</param>
/// <param name="EventType">The CloudEvents <c>type</c>, when it could be read.</param>
/// <param name="EventId">The CloudEvents <c>id</c>, when it could be read.</param>
/// <param name="EventSource">The CloudEvents <c>source</c>, when it could be read.</param>
/// <param name="Message">The original message text (Base64-decoded), as it was received.</param>
public sealed record StorageQueuePoisonMessage(
    string Queue,
    string MessageId,
    long DequeueCount,
    DateTimeOffset? InsertionTime,
    DateTimeOffset PoisonedAt,
    IReadOnlyList<string> Reasons,
    string? EventType,
    string? EventId,
    string? EventSource,
    string Message)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The reasons on one line.</summary>
    [JsonIgnore]
    public string Reason => string.Join("; ", Reasons);

    /// <summary>Reads a poison message written by Sagas.</summary>
    /// <param name="text">The poison queue message text (Base64-decoded).</param>
    /// <exception cref="JsonException"><paramref name="text"/> is not a Sagas poison message.</exception>
    public static StorageQueuePoisonMessage Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var message = JsonSerializer.Deserialize<StorageQueuePoisonMessage>(text, Json);
        return message is { Queue: not null, MessageId: not null, Reasons: not null, Message: not null }
            ? message
            : throw new JsonException("The text is not a Sagas poison message: it needs 'queue', 'messageId', 'reasons' and 'message'.");
    }

    /// <summary>The JSON document that goes on the poison queue (camelCase properties, absent values left out).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);
}
