using Microsoft.Extensions.Logging;
using RabbitMQ.Client;

namespace Sagas.RabbitMq.Queues;

/// <summary>
/// A connection of its own to the broker, for passive declares: what the broker knows of a queue (its ready messages, its
/// consumers), asked without touching MassTransit's connection. Connects on first use and again after the broker was away.
/// Not thread-safe: one caller at a time.
/// </summary>
internal sealed partial class QueueProbe(RabbitMqSagasOptions options, string purpose, ILogger logger) : IAsyncDisposable
{
    private IConnection? _connection;
    private IChannel? _channel;

    /// <summary>The queue an endpoint's input address names (its last path segment, as MassTransit names it).</summary>
    public static string QueueOf(Uri inputAddress) => Uri.UnescapeDataString(inputAddress.Segments[^1]);

    /// <summary>
    /// Each queue as the broker declares it; <see langword="null"/> for a queue the broker does not have, and for every
    /// queue when the broker cannot be reached (one connection attempt for all of them).
    /// </summary>
    public async Task<Dictionary<string, QueueDeclareOk?>> DeclarePassiveAsync(IEnumerable<string> queues, CancellationToken stopping)
    {
        var connected = await ConnectAsync(stopping).ConfigureAwait(false);
        var declared = new Dictionary<string, QueueDeclareOk?>(StringComparer.Ordinal);
        foreach (var queue in queues)
        {
            declared[queue] = connected ? await DeclareAsync(queue, stopping).ConfigureAwait(false) : null;
        }

        return declared;
    }

    public ValueTask DisposeAsync() => new(CloseAsync());

    /// <summary>Opens the connection if it is not open; false when the broker cannot be reached.</summary>
    private async Task<bool> ConnectAsync(CancellationToken stopping)
    {
        if (_connection is { IsOpen: true })
        {
            return true;
        }

        try
        {
            await CloseAsync().ConfigureAwait(false);
            var factory = new ConnectionFactory
            {
                Uri = AmqpUri(options.HostAddress),
                ClientProvidedName = $"{options.ConnectionName ?? "sagas"} {purpose}",
                AutomaticRecoveryEnabled = false, // each use connects again while the broker is away
                RequestedConnectionTimeout = TimeSpan.FromSeconds(5),
            };
            _connection = await factory.CreateConnectionAsync(stopping).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (!stopping.IsCancellationRequested)
        {
            LogConnectFailed(logger, ex, purpose);
            return false;
        }
    }

    private async Task<QueueDeclareOk?> DeclareAsync(string queue, CancellationToken stopping)
    {
        try
        {
            if (_channel is not { IsOpen: true })
            {
                // The broker closes a channel whose passive declare names a queue it does not have; the connection stays.
                if (_channel is not null)
                {
                    await _channel.DisposeAsync().ConfigureAwait(false);
                }

                _channel = await _connection!.CreateChannelAsync(cancellationToken: stopping).ConfigureAwait(false);
            }

            return await _channel.QueueDeclarePassiveAsync(queue, stopping).ConfigureAwait(false);
        }
        catch (Exception ex) when (!stopping.IsCancellationRequested)
        {
            LogDeclareFailed(logger, ex, queue, purpose); // the queue is not declared yet or the connection dropped
            return null;
        }
    }

    private async Task CloseAsync()
    {
        var (channel, connection) = (_channel, _connection);
        (_channel, _connection) = (null, null);
        try
        {
            if (channel is not null)
            {
                await channel.DisposeAsync().ConfigureAwait(false);
            }

            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            LogCloseFailed(logger, ex, purpose);
        }
    }

    /// <summary>MassTransit also takes <c>rabbitmq://</c>; the client takes <c>amqp://</c> only.</summary>
    private static Uri AmqpUri(Uri address) => address.Scheme switch
    {
        "rabbitmq" => new UriBuilder(address) { Scheme = "amqp" }.Uri,
        "rabbitmqs" => new UriBuilder(address) { Scheme = "amqps" }.Uri,
        _ => address,
    };

    [LoggerMessage(Level = LogLevel.Debug, Message = "Declaring queue {Queue} passively (for {Purpose}) failed; unknown until the next try")]
    private static partial void LogDeclareFailed(ILogger logger, Exception exception, string queue, string purpose);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Connecting to the broker (for {Purpose}) failed; unknown until it can be reached")]
    private static partial void LogConnectFailed(ILogger logger, Exception exception, string purpose);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Closing the broker connection (for {Purpose}) failed")]
    private static partial void LogCloseFailed(ILogger logger, Exception exception, string purpose);
}
