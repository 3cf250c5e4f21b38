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
    /// Gets or sets networks (CIDR, for example <c>127.0.0.0/8</c> or <c>::1/128</c>) that are allowed although they are
    /// private or reserved. For local development only; a warning is logged at start when any is set.
    /// </summary>
    public IList<string> DangerouslyAllowedNetworks { get; set; } = new List<string>();

    /// <summary>Gets or sets an optional forward (egress) proxy every delivery goes through.</summary>
    public Uri? Proxy { get; set; }

    /// <summary>Gets or sets the largest outgoing body in bytes; a larger one is refused when the event is published.</summary>
    /// <value>The default value is 262144 (256 KB).</value>
    public int MaxPayloadBytes { get; set; } = 256 * 1024;

    /// <summary>Gets or sets how many bytes of a response body are read and kept in history.</summary>
    /// <value>The default value is 4096.</value>
    public int ResponseExcerptBytes { get; set; } = 4096;

    /// <summary>
    /// Switches on both development opt-ins for private networks: plain http, and the loopback and private ranges
    /// (127.0.0.0/8, ::1/128, 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, fc00::/7). Never in production.
    /// </summary>
    /// <returns>These options.</returns>
    public WebhookSafetyOptions DangerouslyAllowPrivateNetworksForDevelopment()
    {
        DangerouslyAllowLoopbackForDevelopment();
        foreach (var network in new[] { "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7" })
        {
            DangerouslyAllowedNetworks.Add(network);
        }

        return this;
    }

    /// <summary>Switches on both development opt-ins for loopback: plain http and the loopback networks.</summary>
    /// <returns>These options.</returns>
    public WebhookSafetyOptions DangerouslyAllowLoopbackForDevelopment()
    {
        DangerouslyAllowHttp = true;
        DangerouslyAllowedNetworks.Add("127.0.0.0/8");
        DangerouslyAllowedNetworks.Add("::1/128");
        return this;
    }
}
