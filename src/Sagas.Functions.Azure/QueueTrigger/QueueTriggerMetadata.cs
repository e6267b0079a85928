using System.Globalization;
using System.Text.Json;
using Azure.Storage.Queues.Models;

namespace Sagas.Functions.Azure.QueueTrigger;

/// <summary>
/// The metadata the Functions host binds with a queue message (the "Message metadata" of the Queue storage trigger):
/// what <see cref="StepQueueTrigger"/> needs to apply the dequeue limit and to describe a poison message.
/// </summary>
public sealed record QueueTriggerMetadata
{
    /// <summary>The queue message id (<c>Id</c>).</summary>
    public required string Id { get; init; }

    /// <summary>How many times the message has been dequeued, this delivery included (<c>DequeueCount</c>, from 1).</summary>
    public required long DequeueCount { get; init; }

    /// <summary>The message's pop receipt (<c>PopReceipt</c>), when bound.</summary>
    public string? PopReceipt { get; init; }

    /// <summary>When the message was added to the queue (<c>InsertionTime</c>), when bound.</summary>
    public DateTimeOffset? InsertionTime { get; init; }

    /// <summary>When the message expires (<c>ExpirationTime</c>), when bound.</summary>
    public DateTimeOffset? ExpirationTime { get; init; }

    /// <summary>When the message will next be visible (<c>NextVisibleTime</c>), when bound.</summary>
    public DateTimeOffset? NextVisibleTime { get; init; }

    /// <summary>The metadata of a message bound as <see cref="QueueMessage"/> (<c>[QueueTrigger("...")] QueueMessage message</c>).</summary>
    public static QueueTriggerMetadata FromQueueMessage(QueueMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new QueueTriggerMetadata
        {
            Id = message.MessageId,
            DequeueCount = message.DequeueCount,
            PopReceipt = message.PopReceipt,
            InsertionTime = message.InsertedOn,
            ExpirationTime = message.ExpiresOn,
            NextVisibleTime = message.NextVisibleOn,
        };
    }

    /// <summary>
    /// The metadata from an isolated worker's binding data (<c>FunctionContext.BindingContext.BindingData</c>) for a
    /// queue-triggered invocation: <c>Id</c>, <c>DequeueCount</c>, <c>PopReceipt</c>, <c>InsertionTime</c>,
    /// <c>ExpirationTime</c>, <c>NextVisibleTime</c>. Keys are matched without regard to case.
    /// </summary>
    /// <remarks>
    /// The host sends trigger metadata over gRPC as strings or JSON text, so <c>DequeueCount</c> arrives as <c>"1"</c>
    /// and a time as a JSON string (<c>"\"2026-01-01T00:00:00+00:00\""</c>); typed values (<see cref="int"/>,
    /// <see cref="long"/>, <see cref="DateTimeOffset"/>, <see cref="DateTime"/>, <see cref="JsonElement"/>) are read too.
    /// </remarks>
    /// <exception cref="FormatException"><c>Id</c> or <c>DequeueCount</c> is missing or unreadable: not a queue-triggered invocation.</exception>
    public static QueueTriggerMetadata FromBindingData(IReadOnlyDictionary<string, object?> bindingData)
    {
        ArgumentNullException.ThrowIfNull(bindingData);
        var id = ReadString(bindingData, "Id");
        if (string.IsNullOrEmpty(id))
        {
            throw new FormatException("The binding data has no queue message 'Id': is this function a QueueTrigger?");
        }

        var dequeueCount = ReadLong(bindingData, "DequeueCount")
            ?? throw new FormatException("The binding data has no readable 'DequeueCount': is this function a QueueTrigger?");
        return new QueueTriggerMetadata
        {
            Id = id,
            DequeueCount = dequeueCount,
            PopReceipt = ReadString(bindingData, "PopReceipt"),
            InsertionTime = ReadTime(bindingData, "InsertionTime"),
            ExpirationTime = ReadTime(bindingData, "ExpirationTime"),
            NextVisibleTime = ReadTime(bindingData, "NextVisibleTime"),
        };
    }

    private static object? Find(IReadOnlyDictionary<string, object?> data, string key)
    {
        if (data.TryGetValue(key, out var value))
        {
            return value;
        }

        foreach (var (name, candidate) in data)
        {
            if (string.Equals(name, key, StringComparison.OrdinalIgnoreCase))
            {
                return candidate;
            }
        }

        return null;
    }

    private static string? ReadString(IReadOnlyDictionary<string, object?> data, string key) => Find(data, key) switch
    {
        null => null,
        string text => Unquote(text),
        JsonElement { ValueKind: JsonValueKind.String } element => element.GetString(),
        var other => Convert.ToString(other, CultureInfo.InvariantCulture),
    };

    private static long? ReadLong(IReadOnlyDictionary<string, object?> data, string key) => Find(data, key) switch
    {
        int value => value,
        long value => value,
        JsonElement { ValueKind: JsonValueKind.Number } element when element.TryGetInt64(out var value) => value,
        string text when long.TryParse(Unquote(text), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) => value,
        _ => null,
    };

    private static DateTimeOffset? ReadTime(IReadOnlyDictionary<string, object?> data, string key) => Find(data, key) switch
    {
        DateTimeOffset value => value,
        DateTime value => new DateTimeOffset(value.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(value, DateTimeKind.Utc) : value),
        JsonElement { ValueKind: JsonValueKind.String } element when element.TryGetDateTimeOffset(out var value) => value,
        string text when DateTimeOffset.TryParse(Unquote(text), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value) => value,
        _ => null,
    };

    /// <summary>A JSON string literal (<c>"\"...\""</c>) as its value; any other text as it is.</summary>
    private static string Unquote(string text)
    {
        var trimmed = text.Trim();
        if (trimmed.Length >= 2 && trimmed[0] == '"' && trimmed[^1] == '"')
        {
            try
            {
                return JsonSerializer.Deserialize<string>(trimmed) ?? text;
            }
            catch (JsonException)
            {
                return text;
            }
        }

        return text;
    }
}
