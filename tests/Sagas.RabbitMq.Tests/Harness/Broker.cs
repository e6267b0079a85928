using RabbitMQ.Client;

namespace Sagas.RabbitMq.Tests.Harness;

/// <summary>
/// The private RabbitMQ node eng/test.sh starts (SAGAS_TEST_RABBITMQ), in the virtual host of this test assembly
/// (eng/test.sh creates it): other test assemblies use the same queue names in their own virtual hosts.
/// </summary>
public static class Broker
{
    public const string VirtualHost = "sagas-rabbitmq-tests";

    public static Uri Address
    {
        get
        {
            var root = Environment.GetEnvironmentVariable("SAGAS_TEST_RABBITMQ")
                ?? throw new InvalidOperationException("SAGAS_TEST_RABBITMQ is not set: run the tests through eng/test.sh, which starts a private RabbitMQ node, or point it at one (eng/services/rabbitmq.sh start DIR).");
            return new Uri(new Uri(root), VirtualHost);
        }
    }

    /// <summary>The broker address with another host and port (a proxy in front of it).</summary>
    public static Uri Through(int port) => new UriBuilder(Address) { Host = "127.0.0.1", Port = port }.Uri;

    public static int Port => Address.Port;

    public static async Task<IConnection> ConnectAsync()
        => await new ConnectionFactory { Uri = Address }.CreateConnectionAsync();

    /// <summary>
    /// Empties queues left by an earlier test (an endpoint's queue, its error queue and its skipped queue), so each test
    /// starts from an empty broker. Purged rather than deleted: a quorum queue deleted and declared again at once can
    /// be refused while its Raft cluster winds down.
    /// </summary>
    public static async Task PurgeQueuesAsync(params string[] queues)
    {
        await using var connection = await ConnectAsync();
        foreach (var queue in queues.SelectMany(q => new[] { q, q + "_error", q + "_skipped" }))
        {
            await using var channel = await connection.CreateChannelAsync(); // a missing queue closes the channel
            try
            {
                await channel.QueuePurgeAsync(queue);
            }
            catch (RabbitMQ.Client.Exceptions.OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 404)
            {
            }
        }
    }

    /// <summary>Takes the next message from <paramref name="queue"/>, waiting for the queue and the message to appear.</summary>
    public static async Task<BasicGetResult?> GetAsync(IConnection connection, string queue, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            IChannel channel;
            try
            {
                channel = await connection.CreateChannelAsync();
            }
            catch (RabbitMQ.Client.Exceptions.AlreadyClosedException)
            {
                // A 541 below is a connection-level error: the broker closed the connection, which recovers by itself.
                await Task.Delay(200);
                continue;
            }

            await using (channel)
            {
                try
                {
                    if (await channel.BasicGetAsync(queue, autoAck: true) is { } result)
                    {
                        return result;
                    }
                }
                catch (RabbitMQ.Client.Exceptions.OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode is 404 or 541)
                {
                    // declared on the first failure (404 until then); a quorum queue just declared can answer 541 "noproc"
                    // for a moment while its replica starts
                }
            }

            await Task.Delay(100);
        }

        return null;
    }
}
