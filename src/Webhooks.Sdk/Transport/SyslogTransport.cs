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
/// SSRF guard's rules (<c>OutboundConnector</c>), and only a judged address is connected to.
/// </summary>
internal sealed class SyslogTransport : IWebhookTransport
{
    public const string TcpScheme = "syslog+tcp";
    public const string TlsScheme = "syslog+tls";
    private static readonly TimeSpan CloseWait = TimeSpan.FromSeconds(2);
    private static readonly byte[] WrapHeader = Encoding.ASCII.GetBytes("<13>1 - - webhooks-sdk - - - ");

    private readonly Safety.OutboundConnector _connector;

    public SyslogTransport(Safety.OutboundConnector connector) => _connector = connector;

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
        try
        {
            var network = await _connector.ConnectTcpAsync(url.IdnHost, port, cancellationToken).ConfigureAwait(false);
            await using (network.ConfigureAwait(false))
            {
                var socket = network.Socket;
                if (!tls && !AllowsPlaintext(url) && !(socket.RemoteEndPoint is IPEndPoint remote && IPAddress.IsLoopback(remote.Address)))
                {
                    return Fail($"Refused by rule '{WebhookUrlRules.PlaintextTransport}': syslog+tcp:// would send event data unencrypted to {url.IdnHost}; use syslog+tls://, or add '?plaintext=allow' to this destination's URL to accept it.");
                }

                if (tls)
                {
                    var ssl = new SslStream(network, leaveInnerStreamOpen: true);
                    await using (ssl.ConfigureAwait(false))
                    {
                        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = url.IdnHost }, cancellationToken).ConfigureAwait(false);
                        await ssl.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
                        await ssl.FlushAsync(cancellationToken).ConfigureAwait(false);
                        await ssl.ShutdownAsync().ConfigureAwait(false);
                    }
                }
                else
                {
                    await network.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
                    await network.FlushAsync(cancellationToken).ConfigureAwait(false);
                }

                // Half-close and wait (briefly) for the collector to close its side: it has then read the whole frame.
                socket.Shutdown(SocketShutdown.Send);
                await DrainAsync(socket, cancellationToken).ConfigureAwait(false);
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
        catch (IOException ex)
        {
            return Fail("Syslog send failed: " + ex.Message);
        }
        catch (System.Security.Authentication.AuthenticationException ex)
        {
            return Fail("Syslog TLS handshake failed: " + ex.Message);
        }
    }

    private static async Task DrainAsync(Socket socket, CancellationToken cancellationToken)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(CloseWait);
        var buffer = new byte[256];
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, wait.Token).ConfigureAwait(false) > 0)
            {
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The collector keeps the connection open; the frame is written and flushed, which is all TCP promises.
        }
        catch (SocketException)
        {
            // A reset after the frame was flushed: the collector closed without reading more, which it may do.
        }
    }

    private static WebhookAttemptResult Fail(string error) => new() { Success = false, Error = error };
}
