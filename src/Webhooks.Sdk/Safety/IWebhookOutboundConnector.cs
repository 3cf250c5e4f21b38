using System.Net;
using System.Net.Sockets;

namespace Webhooks.Sdk;

/// <summary>
/// The connect-time half of the SSRF guard for transports that open their own connections (SMTP, AMQP, NATS, syslog):
/// the host is resolved through <see cref="IWebhookDnsResolver"/> and every address judged by the outbound address rules
/// (with the development opt-ins of <see cref="WebhookSafetyOptions"/>), so a DNS answer that changes after the
/// save-time check cannot reach a refused address. Connect only to an address this returns.
/// </summary>
public interface IWebhookOutboundConnector
{
    /// <summary>Resolves a host and judges every address it resolves to.</summary>
    /// <param name="host">The host name or IP literal (as in <see cref="Uri.IdnHost"/>).</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The addresses that may be connected to (at least one).</returns>
    /// <exception cref="WebhookUrlRefusedException">The host or one of its addresses is refused; the message names the rule.</exception>
    ValueTask<IReadOnlyList<IPAddress>> ResolveAsync(string host, CancellationToken cancellationToken);

    /// <summary>Resolves and judges a host, then opens a TCP connection to one of its judged addresses.</summary>
    /// <param name="host">The host name or IP literal.</param>
    /// <param name="port">The port.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The connected socket, owned by the caller.</returns>
    /// <exception cref="WebhookUrlRefusedException">The host or one of its addresses is refused.</exception>
    /// <exception cref="SocketException">No judged address accepted the connection.</exception>
    ValueTask<Socket> ConnectAsync(string host, int port, CancellationToken cancellationToken);
}
