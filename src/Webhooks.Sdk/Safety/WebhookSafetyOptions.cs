namespace Webhooks.Sdk;

/// <summary>Safety settings: which URLs may be called and how much is sent and kept.</summary>
public sealed class WebhookSafetyOptions
{
    /// <summary>
    /// Gets or sets a value indicating whether plain <c>http://</c> URLs are allowed. For local development only;
    /// a warning is logged at start when on.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool DangerouslyAllowHttp { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether plain http and the loopback networks are allowed: the configuration form of
    /// <see cref="DangerouslyAllowLoopbackForDevelopment"/> (<c>Webhooks:Safety:AllowLoopbackForDevelopment</c>). For local
    /// development only; a warning is logged at start when on.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool AllowLoopbackForDevelopment { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether plain http, loopback and the private networks are allowed: the configuration
    /// form of <see cref="DangerouslyAllowPrivateNetworksForDevelopment"/> (<c>Webhooks:Safety:AllowPrivateNetworksForDevelopment</c>).
    /// For local development only; a warning is logged at start when on.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool AllowPrivateNetworksForDevelopment { get; set; }

    /// <summary>
    /// Gets or sets networks (CIDR, for example <c>127.0.0.0/8</c> or <c>::1/128</c>) that are allowed although they are
    /// private or reserved. For local development only; a warning is logged at start when any is set. An address inside
    /// one of these networks is allowed both at save time and at connect time; when a loopback network is listed the
    /// names <c>localhost</c> and <c>*.localhost</c> are allowed too, and when any network is listed single-label names
    /// (such as <c>receiver</c> in a container network) are resolved and judged by their addresses instead of refused.
    /// </summary>
    /// <value>The default value is an empty list.</value>
    public IList<string> DangerouslyAllowedNetworks { get; set; } = new List<string>();

    /// <summary>
    /// Gets or sets an optional forward (egress) proxy every HTTP delivery goes through, as <c>http://host:port</c>
    /// (user-info, when present, is sent as Basic proxy credentials). The library still resolves and judges the target
    /// itself, then asks the proxy for a <c>CONNECT</c> tunnel to the judged IP address, so the proxy never resolves the
    /// name again; the proxy's own address is trusted and not judged.
    /// </summary>
    /// <value>The default value is <see langword="null"/> (direct connections).</value>
    public Uri? Proxy { get; set; }

    /// <summary>Gets or sets the largest outgoing body in bytes; a larger one is refused when the event is published.</summary>
    /// <value>The default value is 262144 (256 KB).</value>
    public int MaxPayloadBytes { get; set; } = 256 * 1024;

    /// <summary>
    /// Gets or sets the largest rendered request body in bytes (a formatter's output or a body template's rendering). A
    /// larger body makes the attempt fail with an error naming this limit; a template rendering stops as soon as it
    /// passes the limit, so the oversized body is never built.
    /// </summary>
    /// <value>The default value is 1048576 (1 MiB).</value>
    public int MaxRenderedBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Gets or sets the longest template (body template, update body template, templated URL or header value) a
    /// destination may save, in characters.
    /// </summary>
    /// <value>The default value is 65536 (64 KB).</value>
    public int MaxTemplateLength { get; set; } = 64 * 1024;

    /// <summary>Gets or sets how many bytes of a response body are read and kept in history.</summary>
    /// <value>The default value is 4096.</value>
    public int ResponseExcerptBytes { get; set; } = 4096;

    /// <summary>
    /// Gets or sets a value indicating whether the excerpt of a successful response is kept in history too. By default
    /// only a failed attempt's response body is read and kept (it says why); a success's body is not read, which saves
    /// a read and a string per delivery. A test send (<c>TestAsync</c>, <c>TestDraftAsync</c>) always shows the body, and a transport's
    /// own acknowledgement (a NATS sequence, an SMTP reply) is always kept.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool ResponseExcerptOnSuccess { get; set; }

    /// <summary>
    /// Switches on both development opt-ins for loopback: plain http and the loopback networks (<c>127.0.0.0/8</c>,
    /// <c>::1/128</c>). Every other refused range stays refused.
    /// </summary>
    /// <returns>These options.</returns>
    public WebhookSafetyOptions DangerouslyAllowLoopbackForDevelopment()
    {
        DangerouslyAllowHttp = true;
        AddNetworks("127.0.0.0/8", "::1/128");
        return this;
    }

    /// <summary>
    /// Switches on the development opt-ins for a local network: plain http, loopback (<c>127.0.0.0/8</c>, <c>::1/128</c>)
    /// and the private ranges (<c>10.0.0.0/8</c>, <c>172.16.0.0/12</c>, <c>192.168.0.0/16</c>, <c>fc00::/7</c>).
    /// Link-local (including the cloud metadata service at 169.254.169.254) and every other refused range stay refused.
    /// </summary>
    /// <returns>These options.</returns>
    public WebhookSafetyOptions DangerouslyAllowPrivateNetworksForDevelopment()
    {
        DangerouslyAllowHttp = true;
        AddNetworks("127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7");
        return this;
    }

    private void AddNetworks(params string[] networks)
    {
        foreach (var network in networks)
        {
            if (!DangerouslyAllowedNetworks.Contains(network))
            {
                DangerouslyAllowedNetworks.Add(network);
            }
        }
    }
}
