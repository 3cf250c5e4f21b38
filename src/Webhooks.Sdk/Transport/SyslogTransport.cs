using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace Webhooks.Sdk.Transport;

/// <summary>
/// Sends a payload to a syslog collector over TCP (<c>syslog+tcp://host:port</c>, default port 514) or TLS
/// (<c>syslog+tls://host:port</c>, default port 6514) with RFC 6587 octet-counting framing (<c>LEN SP MSG</c>).
/// A body that is already an RFC 5424 message (the <c>syslog</c> format) is sent as it is; any other body (for
/// example a <c>cef</c> line) becomes the MSG of a minimal RFC 5424 header (<c>&lt;13&gt;1 - - webhooks-sdk - - -</c>).
/// The connection is guarded like HTTP: the host is resolved through <see cref="IWebhookDnsResolver"/> and judged by the
/// SSRF guard's rules (<c>OutboundConnector</c>), only a judged address is connected to, and with
/// <see cref="WebhookSafetyOptions.Proxy"/> set the connection is a <c>CONNECT</c> tunnel through the egress proxy.
/// Over TLS a destination whose auth is <see cref="MutualTlsWebhookAuth"/> presents its client certificate and trusts
/// its own certificate authorities. Connections stay open after an attempt (up to four idle per destination, closed
/// after <see cref="IdleTimeout"/> unused) and are reused by later attempts; a frame written and flushed is a success.
/// </summary>
internal sealed class SyslogTransport : IWebhookTransport, IDisposable
{
    public const string TcpScheme = "syslog+tcp";
    public const string TlsScheme = "syslog+tls";

    /// <summary>How long an unused connection is kept open.</summary>
    internal static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(60);

    private const int MaxIdlePerDestination = 4;
    private static readonly byte[] WrapHeader = Encoding.ASCII.GetBytes("<13>1 - - webhooks-sdk - - - ");

    private readonly Safety.OutboundConnector _connector;
    private readonly Auth.ClientCertificates _certificates;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, ConcurrentBag<Connection>> _idle = new(StringComparer.Ordinal);
    private readonly ITimer _sweeper;
    private int _opened;

    public SyslogTransport(Safety.OutboundConnector connector, Auth.ClientCertificates certificates, TimeProvider time)
    {
        _connector = connector;
        _certificates = certificates;
        _time = time;
        _sweeper = time.CreateTimer(static s => ((SyslogTransport)s!).Sweep(), this, IdleTimeout, IdleTimeout);
    }

    public IReadOnlyCollection<string> Schemes { get; } = [TcpScheme, TlsScheme];

    /// <summary>
    /// Gets a value indicating whether the URL carries the destination's opt-in to plain TCP towards a host that is
    /// not loopback: the query parameter <c>plaintext=allow</c>.
    /// </summary>
    internal static bool AllowsPlaintext(Uri url)
    {
        foreach (var part in url.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            if (string.Equals(part, "plaintext=allow", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Gets a value indicating whether a host, as written, is loopback (a loopback literal or <c>localhost</c>).</summary>
    internal static bool IsLoopbackHost(string host)
    {
        var name = Safety.OutboundGuard.Normalize(host);
        return name == "localhost" || name.EndsWith(".localhost", StringComparison.Ordinal)
            || (Safety.OutboundGuard.TryParseAddress(name, out var address) && IPAddress.IsLoopback(address));
    }

    /// <summary>Builds the octet-counted frame for one message.</summary>
    internal static byte[] Frame(ReadOnlySpan<byte> body)
    {
        var wrap = body.Length == 0 || body[0] != (byte)'<';
        var length = body.Length + (wrap ? WrapHeader.Length : 0);
        var prefix = Encoding.ASCII.GetBytes(length.ToString(CultureInfo.InvariantCulture) + " ");
        var frame = new byte[prefix.Length + length];
        prefix.CopyTo(frame, 0);
        var offset = prefix.Length;
        if (wrap)
        {
            WrapHeader.CopyTo(frame, offset);
            offset += WrapHeader.Length;
        }

        body.CopyTo(frame.AsSpan(offset));
        return frame;
    }

    public async Task<WebhookAttemptResult> SendAsync(WebhookTransportRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var url = request.Url;
        var tls = string.Equals(url.Scheme, TlsScheme, StringComparison.OrdinalIgnoreCase);
        var port = url.Port > 0 ? url.Port : tls ? 6514 : 514;
        var frame = Frame(request.Payload.Body.Span);
        Auth.MutualTlsClient? ownedCertificate = null;
        try
        {
            // The certificate lives in the destination's state; a draft's is loaded for this call and its connection not kept.
            var certificate = tls && request.Auth is MutualTlsWebhookAuth mtls ? _certificates.For(mtls, request.State, out ownedCertificate) : null;
            var key = string.Join('|', request.Destination.TenantId, request.Destination.Id, url.Scheme, url.IdnHost, port.ToString(CultureInfo.InvariantCulture), certificate?.Name ?? "-");

            // An idle connection may have been closed by the collector meanwhile: a write that fails on one is made once
            // more on a new connection. A failure on a new connection is the attempt's.
            while (TakeIdle(key) is { } reused)
            {
                try
                {
                    await reused.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
                    ReturnIdle(key, reused);
                    return new WebhookAttemptResult { Success = true };
                }
                catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
                {
                    await reused.DisposeAsync().ConfigureAwait(false);
                }
            }

            var networks = request.Destination.AllowedPrivateNetworks is { Count: > 0 } allowed ? Safety.OutboundGuard.ParseNetworks(allowed) : null;
            var connection = await OpenAsync(url, port, tls, certificate, networks, cancellationToken).ConfigureAwait(false);
            if (connection is null)
            {
                return Fail($"Refused by rule '{WebhookUrlRules.PlaintextTransport}': syslog+tcp:// would send event data unencrypted to {url.IdnHost}; use syslog+tls://, or add '?plaintext=allow' to this destination's URL to accept it.");
            }

            try
            {
                await connection.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                throw;
            }

            if (ownedCertificate is null)
            {
                ReturnIdle(key, connection);
            }
            else
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }

            return new WebhookAttemptResult { Success = true };
        }
        catch (WebhookUrlRefusedException ex)
        {
            return Fail(ex.Message);
        }
        catch (SocketException ex)
        {
            return Fail($"Syslog connection to port {port} failed: {ex.SocketErrorCode}.");
        }
        catch (HttpRequestException ex)
        {
            return Fail("Syslog connection through the egress proxy failed: " + ex.Message);
        }
        catch (IOException ex)
        {
            return Fail("Syslog send failed: " + ex.Message);
        }
        catch (System.Security.Authentication.AuthenticationException ex)
        {
            return Fail("Syslog TLS handshake failed: " + ex.Message);
        }
        finally
        {
            ownedCertificate?.Dispose();
        }
    }

    /// <summary>Closes every idle connection.</summary>
    public void Dispose()
    {
        _sweeper.Dispose();
        foreach (var key in _idle.Keys)
        {
            while (TakeIdle(key, evictOnly: true) is { } connection)
            {
                connection.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
        }
    }

    /// <summary>Gets how many idle connections are kept open now (for tests).</summary>
    internal int IdleCount => _idle.Values.Sum(b => b.Count);

    /// <summary>Gets how many connections were opened so far (for tests).</summary>
    internal int OpenedCount => Volatile.Read(ref _opened);

    private async Task<Connection?> OpenAsync(Uri url, int port, bool tls, Auth.MutualTlsClient? certificate, IReadOnlyList<IPNetwork>? networks, CancellationToken cancellationToken)
    {
        var network = await _connector.ConnectTcpAsync(url.IdnHost, port, cancellationToken, networks).ConfigureAwait(false);
        try
        {
            var socket = network.Socket;
            var loopback = !_connector.UsesProxy && socket.RemoteEndPoint is IPEndPoint remote && IPAddress.IsLoopback(remote.Address);
            if (!tls && !AllowsPlaintext(url) && !loopback && !IsLoopbackHost(url.IdnHost))
            {
                await network.DisposeAsync().ConfigureAwait(false);
                return null;
            }

            Interlocked.Increment(ref _opened);
            if (!tls)
            {
                return new Connection(network, network, _time.GetTimestamp());
            }

            var ssl = new SslStream(network, leaveInnerStreamOpen: false);
            try
            {
                var options = new SslClientAuthenticationOptions { TargetHost = url.IdnHost };
                if (certificate is not null)
                {
                    options.ClientCertificateContext = SslStreamCertificateContext.Create(certificate.Certificate, additionalCertificates: null, offline: true);
                    if (certificate.TrustedAuthorities is { } authorities)
                    {
                        options.RemoteCertificateValidationCallback = (_, server, chain, errors) => Auth.ClientCertificates.ValidateServer(server, chain, errors, authorities);
                    }
                }

                await ssl.AuthenticateAsClientAsync(options, cancellationToken).ConfigureAwait(false);
                return new Connection(network, ssl, _time.GetTimestamp());
            }
            catch
            {
                await ssl.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
        catch
        {
            await network.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private Connection? TakeIdle(string key, bool evictOnly = false)
    {
        if (!_idle.TryGetValue(key, out var bag))
        {
            return null;
        }

        while (bag.TryTake(out var connection))
        {
            if (!evictOnly && connection.IsUsable(_time, IdleTimeout))
            {
                return connection;
            }

            if (evictOnly)
            {
                return connection;
            }

            connection.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        return null;
    }

    private void ReturnIdle(string key, Connection connection)
    {
        connection.LastUsed = _time.GetTimestamp();
        var bag = _idle.GetOrAdd(key, static _ => new ConcurrentBag<Connection>());
        if (bag.Count >= MaxIdlePerDestination)
        {
            connection.DisposeAsync().AsTask().GetAwaiter().GetResult();
            return;
        }

        bag.Add(connection);
    }

    /// <summary>Closes connections idle for longer than <see cref="IdleTimeout"/> and forgets destinations without any.</summary>
    private void Sweep()
    {
        foreach (var (key, bag) in _idle)
        {
            var keep = new List<Connection>();
            while (bag.TryTake(out var connection))
            {
                if (connection.IsUsable(_time, IdleTimeout))
                {
                    keep.Add(connection);
                }
                else
                {
                    connection.DisposeAsync().AsTask().GetAwaiter().GetResult();
                }
            }

            foreach (var connection in keep)
            {
                bag.Add(connection);
            }

            if (bag.IsEmpty)
            {
                _idle.TryRemove(new KeyValuePair<string, ConcurrentBag<Connection>>(key, bag));
            }
        }
    }

    /// <summary>One open connection to a collector: the socket's stream and what is written to (itself, or TLS over it).</summary>
    private sealed class Connection(NetworkStream network, Stream stream, long lastUsed) : IAsyncDisposable
    {
        public long LastUsed { get; set; } = lastUsed;

        public async Task WriteAsync(byte[] frame, CancellationToken cancellationToken)
        {
            await stream.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        /// <summary>Gets a value indicating whether the connection is young enough and the collector has not closed it (nothing to read, not at end).</summary>
        public bool IsUsable(TimeProvider time, TimeSpan idleTimeout)
        {
            if (time.GetElapsedTime(LastUsed) > idleTimeout)
            {
                return false;
            }

            try
            {
                var socket = network.Socket;
                return socket.Connected && !(socket.Poll(0, SelectMode.SelectRead) && socket.Available == 0);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                return false;
            }
        }

        public async ValueTask DisposeAsync()
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            await network.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static WebhookAttemptResult Fail(string error) => new() { Success = false, Error = error };
}
