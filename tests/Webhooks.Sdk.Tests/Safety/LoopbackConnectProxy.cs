using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Webhooks.Sdk.Tests.Safety;

/// <summary>
/// A minimal forward proxy on 127.0.0.1 for tests: answers <c>CONNECT host:port</c>, records the target and pipes bytes
/// both ways. It only ever connects to loopback targets; any other target is answered 403.
/// </summary>
internal sealed class LoopbackConnectProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _requests = new();
    private readonly Task _accepting;
    private int _connections;

    private LoopbackConnectProxy()
    {
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _accepting = AcceptLoopAsync();
    }

    public Uri Url => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");

    public int ConnectionCount => Volatile.Read(ref _connections);

    /// <summary>Gets the request heads received (request line and headers).</summary>
    public IReadOnlyList<string> Requests => _requests.ToArray();

    public static LoopbackConnectProxy Start() => new();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
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

    private static async Task<string> ReadHeadAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await stream.ReadAsync(one, cancellationToken) == 0)
            {
                break;
            }

            head.Append((char)one[0]);
        }

        return head.ToString();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            Interlocked.Increment(ref _connections);
            _ = HandleAsync(client);
        }
    }

    private async Task HandleAsync(TcpClient client)
    {
        try
        {
            await PipeAsync(client);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client or the test ended the connection.
        }
    }

    private async Task PipeAsync(TcpClient client)
    {
        using (client)
        {
            var stream = client.GetStream();
            var head = await ReadHeadAsync(stream, _stop.Token);
            _requests.Enqueue(head);
            var target = head.Split(' ')[1];
            var colon = target.LastIndexOf(':');
            var host = target[..colon].Trim('[', ']');
            var port = int.Parse(target[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            if (!IPAddress.TryParse(host, out var address) || !IPAddress.IsLoopback(address))
            {
                await stream.WriteAsync("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n"u8.ToArray(), _stop.Token);
                return;
            }

            using var upstream = new TcpClient();
            await upstream.ConnectAsync(address, port, _stop.Token);
            await stream.WriteAsync("HTTP/1.1 200 Connection established\r\n\r\n"u8.ToArray(), _stop.Token);
            var up = upstream.GetStream();
            await Task.WhenAny(stream.CopyToAsync(up, _stop.Token), up.CopyToAsync(stream, _stop.Token));
        }
    }
}
