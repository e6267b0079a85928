using System.Net;
using System.Net.Sockets;

namespace Sagas.Testing;

/// <summary>
/// A TCP proxy between the application and a server (the broker, PostgreSQL), so a test can cut the connection (as a
/// network failure or a server restart would) and let it come back, without touching the server the other tests use.
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _upstreamPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _connections = [];
    private volatile bool _refusing;
    private readonly Task _accepting;

    public TcpProxy(int upstreamPort)
    {
        _upstreamPort = upstreamPort;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Connections cut so far.</summary>
    public int Cuts { get; private set; }

    /// <summary>Closes every open connection and refuses new ones until <see cref="Restore"/>.</summary>
    public void Cut()
    {
        _refusing = true;
        lock (_connections)
        {
            foreach (var connection in _connections)
            {
                connection.Client.Close(0);
                Cuts++;
            }

            _connections.Clear();
        }
    }

    /// <summary>Lets connections through again.</summary>
    public void Restore() => _refusing = false;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Cut();
        try
        {
            await _accepting;
        }
        catch (OperationCanceledException)
        {
        }
        catch (SocketException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            if (_refusing)
            {
                client.Client.Close(0);
                continue;
            }

            var upstream = new TcpClient();
            try
            {
                await upstream.ConnectAsync(IPAddress.Loopback, _upstreamPort, _stop.Token);
            }
            catch (SocketException)
            {
                client.Dispose();
                upstream.Dispose();
                continue;
            }

            lock (_connections)
            {
                _connections.Add(client);
                _connections.Add(upstream);
            }

            _ = PumpAsync(client, upstream);
            _ = PumpAsync(upstream, client);
        }
    }

    private async Task PumpAsync(TcpClient from, TcpClient to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            var source = from.GetStream();
            var target = to.GetStream();
            int read;
            while ((read = await source.ReadAsync(buffer, _stop.Token)) > 0)
            {
                await target.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            // the other side or the test closed the connection
        }
        finally
        {
            from.Client.Close(0);
            to.Client.Close(0);
        }
    }
}
