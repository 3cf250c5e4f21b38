using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Webhooks.Sdk.Safety;

/// <summary>
/// The connect-time half of the SSRF guard, used as <see cref="SocketsHttpHandler.ConnectCallback"/>: resolves the host
/// itself, judges every address with the same rules as the URL policy and connects only to a judged address, so a DNS
/// answer that changes after the save-time check cannot reach a refused address. With an egress proxy it opens a
/// <c>CONNECT</c> tunnel to the judged address (not to the name), so the proxy cannot be steered by a second lookup.
/// </summary>
internal sealed class OutboundConnector : IWebhookOutboundConnector
{
    private const int MaxProxyResponseBytes = 16 * 1024;
    private readonly OutboundGuard _guard;
    private readonly IWebhookDnsResolver _resolver;
    private readonly IOptions<WebhooksOptions> _options;
    private readonly ILogger _logger;

    public OutboundConnector(OutboundGuard guard, IWebhookDnsResolver resolver, IOptions<WebhooksOptions> options, ILogger<OutboundConnector> logger)
    {
        _guard = guard;
        _resolver = resolver;
        _options = options;
        _logger = logger;
    }

    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var target = context.DnsEndPoint;
        if (context.InitialRequestMessage.RequestUri is { Scheme: "http" } && !_guard.AllowHttp)
        {
            throw Refuse(target, WebhookUrlVerdict.Refuse(WebhookUrlRules.HttpsOnly, "plain http is refused; use https"));
        }

        var addresses = await JudgeAsync(target, cancellationToken).ConfigureAwait(false);
        return _options.Value.Safety.Proxy is { } proxy
            ? await TunnelAsync(proxy, addresses, target, cancellationToken).ConfigureAwait(false)
            : await ConnectToAnyAsync(addresses, target.Port, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Opens a direct TCP connection for a non-HTTP transport (for example syslog) under the same connect-time rules:
    /// the host is resolved and judged, and only a judged address is connected to.
    /// </summary>
    /// <exception cref="WebhookUrlRefusedException">The host or one of its addresses is refused.</exception>
    public async ValueTask<NetworkStream> ConnectTcpAsync(string host, int port, CancellationToken cancellationToken, IReadOnlyList<IPNetwork>? destinationNetworks = null)
    {
        var target = new DnsEndPoint(host, port);
        var addresses = await JudgeAsync(target, cancellationToken, destinationNetworks).ConfigureAwait(false);
        return _options.Value.Safety.Proxy is { } proxy
            ? await TunnelAsync(proxy, addresses, target, cancellationToken).ConfigureAwait(false)
            : await ConnectToAnyAsync(addresses, port, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Gets a value indicating whether connections go through the egress proxy (<see cref="WebhookSafetyOptions.Proxy"/>).</summary>
    public bool UsesProxy => _options.Value.Safety.Proxy is not null;

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<IPAddress>> ResolveAsync(string host, CancellationToken cancellationToken)
        => await JudgeAsync(new DnsEndPoint(host, 0), cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    async ValueTask<Socket> IWebhookOutboundConnector.ConnectAsync(string host, int port, CancellationToken cancellationToken)
    {
        var addresses = await JudgeAsync(new DnsEndPoint(host, port), cancellationToken).ConfigureAwait(false);
        return await ConnectSocketAsync(addresses, port, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<IReadOnlyList<IPAddress>> JudgeAsync(DnsEndPoint target, CancellationToken cancellationToken, IReadOnlyList<IPNetwork>? destinationNetworks = null)
    {
        var judgement = await _guard.JudgeHostAsync(target.Host, cancellationToken, destinationNetworks).ConfigureAwait(false);
        return judgement.Verdict.Allowed ? judgement.Addresses : throw Refuse(target, judgement.Verdict);
    }

    private static async ValueTask<NetworkStream> ConnectToAnyAsync(IReadOnlyList<IPAddress> addresses, int port, CancellationToken cancellationToken)
        => new(await ConnectSocketAsync(addresses, port, cancellationToken).ConfigureAwait(false), ownsSocket: true);

    private static async ValueTask<Socket> ConnectSocketAsync(IReadOnlyList<IPAddress> addresses, int port, CancellationToken cancellationToken)
    {
        SocketException? last = null;
        foreach (var candidate in addresses)
        {
            var address = candidate.IsIPv4MappedToIPv6 ? candidate.MapToIPv4() : candidate;
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, port), cancellationToken).ConfigureAwait(false);
                return socket;
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                last = ex;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw last ?? new SocketException((int)SocketError.HostNotFound);
    }

    private static string Authority(IPAddress address, int port)
    {
        var text = address.AddressFamily == AddressFamily.InterNetworkV6
            ? "[" + new IPAddress(address.GetAddressBytes()) + "]"
            : address.ToString();
        return text + ":" + port.ToString(CultureInfo.InvariantCulture);
    }

    private static async Task<string> ReadResponseHeadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var head = new List<byte>(256);
        var one = new byte[1];
        while (head.Count < MaxProxyResponseBytes)
        {
            // One byte at a time: nothing after the blank line may be consumed, it belongs to the tunnel.
            if (await stream.ReadAsync(one, cancellationToken).ConfigureAwait(false) == 0)
            {
                throw new HttpRequestException("The egress proxy closed the connection before answering CONNECT.");
            }

            head.Add(one[0]);
            var n = head.Count;
            if (n >= 4 && head[n - 4] == '\r' && head[n - 3] == '\n' && head[n - 2] == '\r' && head[n - 1] == '\n')
            {
                return Encoding.Latin1.GetString([.. head]);
            }
        }

        throw new HttpRequestException("The egress proxy's answer to CONNECT is too large.");
    }

    private WebhookUrlRefusedException Refuse(DnsEndPoint target, WebhookUrlVerdict verdict)
    {
        Log.ConnectionRefused(_logger, target.Host, target.Port, verdict.Rule, verdict.Detail ?? verdict.Reason);
        return new WebhookUrlRefusedException(verdict);
    }

    private async ValueTask<NetworkStream> TunnelAsync(Uri proxy, IReadOnlyList<IPAddress> addresses, DnsEndPoint target, CancellationToken cancellationToken)
    {
        // The proxy is the operator's own infrastructure: it is trusted and not judged by the address rules.
        var proxyHost = OutboundGuard.Normalize(proxy.IdnHost);
        var proxyAddresses = OutboundGuard.TryParseAddress(proxyHost, out var literal)
            ? [literal]
            : await _resolver.ResolveAsync(proxyHost, cancellationToken).ConfigureAwait(false);
        var authority = Authority(addresses[0], target.Port);
        var stream = await ConnectToAnyAsync(proxyAddresses, proxy.Port, cancellationToken).ConfigureAwait(false);
        try
        {
            var request = new StringBuilder()
                .Append("CONNECT ").Append(authority).Append(" HTTP/1.1\r\n")
                .Append("Host: ").Append(authority).Append("\r\n");
            if (!string.IsNullOrEmpty(proxy.UserInfo))
            {
                var credentials = Uri.UnescapeDataString(proxy.UserInfo);
                request.Append("Proxy-Authorization: Basic ").Append(Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials))).Append("\r\n");
            }

            request.Append("\r\n");
            await stream.WriteAsync(Encoding.Latin1.GetBytes(request.ToString()), cancellationToken).ConfigureAwait(false);
            var head = await ReadResponseHeadAsync(stream, cancellationToken).ConfigureAwait(false);
            var statusLine = head[..head.IndexOf('\r', StringComparison.Ordinal)];
            var parts = statusLine.Split(' ', 3);
            if (parts.Length < 2 || !parts[0].StartsWith("HTTP/1.", StringComparison.Ordinal) || parts[1].Length != 3 || parts[1][0] != '2')
            {
                throw new HttpRequestException($"The egress proxy refused the tunnel to {target.Host}:{target.Port.ToString(CultureInfo.InvariantCulture)}: {statusLine}");
            }

            Log.TunnelOpened(_logger, authority, target.Port, target.Host);
            return stream;
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
