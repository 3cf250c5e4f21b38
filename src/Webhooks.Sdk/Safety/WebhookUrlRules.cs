namespace Webhooks.Sdk;

/// <summary>
/// The stable names of the rules of the outbound address policy (the SSRF guard), as they appear in
/// <see cref="WebhookUrlVerdict.Rule"/>, in validation errors ("refused by rule '…'") and in failed attempts.
/// </summary>
public static class WebhookUrlRules
{
    /// <summary>Plain <c>http://</c> without the development opt-in.</summary>
    public const string HttpsOnly = "https-only";

    /// <summary>The URL carries user-info (<c>user:password@</c>).</summary>
    public const string UserInfo = "user-info";

    /// <summary>The host is <c>localhost</c> or a <c>*.localhost</c> name.</summary>
    public const string Localhost = "localhost";

    /// <summary>The host is a single-label name (no dot), resolved by local search domains.</summary>
    public const string SingleLabel = "single-label";

    /// <summary>The host ends in a number but is not a valid IPv4 address, or is otherwise not a usable host.</summary>
    public const string InvalidHost = "invalid-host";

    /// <summary>An unspecified or "this network" address: <c>0.0.0.0/8</c>, <c>::/128</c>.</summary>
    public const string Unspecified = "unspecified";

    /// <summary>A loopback address: <c>127.0.0.0/8</c>, <c>::1/128</c>.</summary>
    public const string Loopback = "loopback";

    /// <summary>A private address: <c>10.0.0.0/8</c>, <c>172.16.0.0/12</c>, <c>192.168.0.0/16</c>, <c>fc00::/7</c> (unique local).</summary>
    public const string Private = "private";

    /// <summary>Shared address space of carrier-grade NAT: <c>100.64.0.0/10</c>.</summary>
    public const string SharedAddressSpace = "shared-address-space";

    /// <summary>A link-local address: <c>169.254.0.0/16</c> (incl. the cloud metadata service) and <c>fe80::/10</c>.</summary>
    public const string LinkLocal = "link-local";

    /// <summary>A documentation range: <c>192.0.2.0/24</c>, <c>198.51.100.0/24</c>, <c>203.0.113.0/24</c>, <c>2001:db8::/32</c>.</summary>
    public const string Documentation = "documentation";

    /// <summary>The benchmarking range <c>198.18.0.0/15</c>.</summary>
    public const string Benchmarking = "benchmarking";

    /// <summary>A multicast address: <c>224.0.0.0/4</c>, <c>ff00::/8</c>.</summary>
    public const string Multicast = "multicast";

    /// <summary>The limited broadcast address <c>255.255.255.255</c>.</summary>
    public const string Broadcast = "broadcast";

    /// <summary>
    /// A reserved or special-purpose address: <c>192.0.0.0/24</c>, <c>192.88.99.0/24</c>, <c>240.0.0.0/4</c>,
    /// <c>100::/64</c>, <c>2001::/23</c> (incl. Teredo), IPv4-compatible <c>::/96</c>, and every IPv6 address outside
    /// global unicast <c>2000::/3</c>.
    /// </summary>
    public const string Reserved = "reserved";

    /// <summary>The host name resolves to at least one address that is not public.</summary>
    public const string DnsPrivate = "dns-private";

    /// <summary>The host name could not be resolved, or resolved to no address.</summary>
    public const string DnsFailure = "dns-failure";

    /// <summary>
    /// An unencrypted transport (<c>syslog+tcp://</c>) to a host that is not loopback, without the destination's own
    /// opt-in (<c>?plaintext=allow</c> in its URL).
    /// </summary>
    public const string PlaintextTransport = "plaintext-transport";
}
