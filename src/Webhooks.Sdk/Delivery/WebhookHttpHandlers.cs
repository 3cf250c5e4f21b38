using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Webhooks.Sdk.Delivery;

/// <summary>The primary handler of the library's HTTP clients: redirects never followed, no cookies, optional egress proxy.</summary>
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
        handler.AllowAutoRedirect = false;
        handler.UseCookies = false;
        handler.AutomaticDecompression = DecompressionMethods.None;
        handler.PooledConnectionLifetime = TimeSpan.FromMinutes(5);
        handler.ConnectTimeout = TimeSpan.FromSeconds(10);
        handler.MaxResponseHeadersLength = 64;
        if (options.Safety.Proxy is { } proxy)
        {
            handler.UseProxy = true;
            handler.Proxy = new WebProxy(proxy);
        }
        else
        {
            handler.UseProxy = false;
        }

        _ = services;
        return handler;
    }
}
