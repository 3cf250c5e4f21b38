using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Webhooks.Sdk.Safety;

namespace Webhooks.Sdk.Delivery;

/// <summary>
/// The primary handler of the library's HTTP clients: redirects never followed, no cookies, and every connection made
/// through the connect-time address check (<see cref="OutboundConnector"/>), directly or through the egress proxy.
/// </summary>
internal static class WebhookHttpHandlers
{
    public static HttpMessageHandler CreatePrimaryHandler(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<WebhooksOptions>>().Value;
        return Configure(new SocketsHttpHandler(), options, services);
    }

    /// <summary>Applies the library's rules to a handler (also used for per-certificate handlers).</summary>
    public static SocketsHttpHandler Configure(SocketsHttpHandler handler, WebhooksOptions options, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(services);
        var connector = services.GetRequiredService<OutboundConnector>();
        handler.AllowAutoRedirect = false;
        handler.UseCookies = false;
        handler.AutomaticDecompression = DecompressionMethods.None;
        handler.PooledConnectionLifetime = TimeSpan.FromMinutes(5);
        handler.ConnectTimeout = TimeSpan.FromSeconds(10);
        handler.MaxResponseHeadersLength = 64;

        // The egress proxy (Safety.Proxy) is used by the connector itself, through a CONNECT tunnel to the judged
        // address, so the handler's own proxy support stays off (it would hand the name to the proxy unjudged).
        handler.UseProxy = false;
        handler.Proxy = null;
        handler.ConnectCallback = connector.ConnectAsync;

        // W3C trace context on every request unless the destination turned it off (see WebhookTracePropagator).
        handler.ActivityHeadersPropagator = Diagnostics.WebhookTracePropagator.Instance;
        return handler;
    }
}
