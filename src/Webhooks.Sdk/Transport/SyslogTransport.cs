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
/// The host is resolved through <see cref="IWebhookDnsResolver"/> and every address is judged by the
/// <see cref="IWebhookUrlPolicy"/> before connecting, as for HTTP.
/// </summary>
internal sealed class SyslogTransport : IWebhookTransport
{
    public const string TcpScheme = "syslog+tcp";
    public const string TlsScheme = "syslog+tls";
    private static readonly TimeSpan CloseWait = TimeSpan.FromSeconds(2);
    private static readonly byte[] WrapHeader = Encoding.ASCII.GetBytes("<13>1 - - webhooks-sdk - - - ");

    private readonly IWebhookDnsResolver _resolver;
    private readonly IWebhookUrlPolicy _policy;

    public SyslogTransport(IWebhookDnsResolver resolver, IWebhookUrlPolicy policy)
    {
        _resolver = resolver;
        _policy = policy;
    }

    public IReadOnlyCollection<string> Schemes { get; } = [TcpScheme, TlsScheme];

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
        var verdict = await _policy.EvaluateAsync(url, cancellationToken).ConfigureAwait(false);
        if (!verdict.Allowed)
        {
            return Fail($"The URL was refused by rule '{verdict.Rule}': {verdict.Reason}");
        }

        var host = url.IdnHost;
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? [literal] : await _resolver.ResolveAsync(host, cancellationToken).ConfigureAwait(false);
        IPAddress? target = null;
        string? refusal = null;
        foreach (var address in addresses)
        {
            var literalUrl = new Uri($"{url.Scheme}://{(address.AddressFamily == AddressFamily.InterNetworkV6 ? "[" + address + "]" : address.ToString())}:{port}/");
            var judged = await _policy.EvaluateAsync(literalUrl, cancellationToken).ConfigureAwait(false);
            if (judged.Allowed)
            {
                target = address;
                break;
            }

            refusal = $"rule '{judged.Rule}': {judged.Reason}";
        }

        if (target is null)
        {
            return Fail(refusal is null ? "The host did not resolve to any address." : "Every address of the host was refused by " + refusal);
        }

        var frame = Frame(request.Payload.Body.Span);
        using var socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(new IPEndPoint(target, port), cancellationToken).ConfigureAwait(false);
            var network = new NetworkStream(socket, ownsSocket: false);
            await using (network.ConfigureAwait(false))
            {
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
