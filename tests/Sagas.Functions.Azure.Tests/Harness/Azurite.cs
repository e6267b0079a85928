using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;

namespace Sagas.Functions.Azure.Tests.Harness;

/// <summary>
/// The private Azurite queue service eng/test.sh starts (its connection string in SAGAS_TEST_AZURITE). Each test class
/// names its queues with a prefix of its own plus a random part, so classes (and tests) never see each other's messages.
/// </summary>
public static class Azurite
{
    public static string ConnectionString =>
        Environment.GetEnvironmentVariable("SAGAS_TEST_AZURITE")
        ?? throw new InvalidOperationException("SAGAS_TEST_AZURITE is not set: run the tests through eng/test.sh, which starts a private Azurite, or point it at one (eng/services/azurite.sh start DIR prints the connection string).");

    /// <summary>The connection string, or <see langword="null"/> for tests that do not touch a queue.</summary>
    public static string? ConnectionStringOrNull => Environment.GetEnvironmentVariable("SAGAS_TEST_AZURITE");

    /// <summary>A client as the Functions host and Sagas use it: Base64 message encoding.</summary>
    public static QueueClient Queue(string name) => new(ConnectionString, name, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });

    /// <summary>A client that sees the stored message text as it is (no decoding), to check the wire format.</summary>
    public static QueueClient RawQueue(string name) => new(ConnectionString, name);

    /// <summary>Every message text on <paramref name="name"/> (up to 32), without taking them.</summary>
    public static async Task<IReadOnlyList<PeekedMessage>> PeekAsync(string name)
    {
        var queue = Queue(name);
        if (!await queue.ExistsAsync())
        {
            return [];
        }

        PeekedMessage[] messages = await queue.PeekMessagesAsync(32);
        return messages;
    }
}

/// <summary>Queue names for one test class: <c>{prefix}-{role}-{random}</c>, short enough for <c>-poison</c>.</summary>
public sealed class QueueNames(string prefix)
{
    public string New(string role) => $"{prefix}-{role}-{Guid.NewGuid().ToString("N")[..10]}";
}
