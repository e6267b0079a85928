using RabbitMQ.Client;
using Sagas.RabbitMq.Tests.Harness;

namespace Sagas.RabbitMq.Tests.Placement;

/// <summary>A queue of its own on the test broker holding some messages; deleted on disposal.</summary>
internal sealed class ProbeQueue : IAsyncDisposable
{
    private readonly IConnection _connection;

    private ProbeQueue(IConnection connection, IChannel channel, string name)
    {
        (_connection, Channel, Name) = (connection, channel, name);
        Address = new Uri($"rabbitmq://127.0.0.1/{Broker.VirtualHost}/{name}"); // as MassTransit names the endpoint
    }

    public string Name { get; }

    /// <summary>The queue's endpoint address, as a step consumer's input address names it.</summary>
    public Uri Address { get; }

    /// <summary>A channel to the broker, to change what the queue holds.</summary>
    public IChannel Channel { get; }

    /// <summary>Declares a new queue and publishes <paramref name="messages"/> to it.</summary>
    public static async Task<ProbeQueue> DeclareAsync(int messages)
    {
        var name = $"depth-probe-{Guid.NewGuid():N}";
        var connection = await Broker.ConnectAsync();
        var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclareAsync(name, durable: false, exclusive: false, autoDelete: false);
        for (var i = 0; i < messages; i++)
        {
            await channel.BasicPublishAsync(string.Empty, name, new byte[] { 1 });
        }

        return new ProbeQueue(connection, channel, name);
    }

    public async ValueTask DisposeAsync()
    {
        await Channel.QueueDeleteAsync(Name);
        await Channel.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
