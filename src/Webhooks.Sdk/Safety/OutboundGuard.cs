using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Webhooks.Sdk.Safety;

/// <summary>The verdict on a host, with the addresses it may be reached at when allowed.</summary>
/// <param name="Verdict">The verdict.</param>
/// <param name="Addresses">The judged addresses (all allowed) when <paramref name="Verdict"/> allows; otherwise empty.</param>
internal sealed record HostJudgement(WebhookUrlVerdict Verdict, IReadOnlyList<IPAddress> Addresses);

/// <summary>
/// The address rules shared by the URL policy (save, test and send time) and the connect-time check: host name rules,
/// resolution through <see cref="IWebhookDnsResolver"/> and the address ranges, with the development opt-ins.
/// </summary>
internal sealed class OutboundGuard
{
    private static readonly IPNetwork LoopbackV4 = IPNetwork.Parse("127.0.0.0/8");
    private static readonly IPNetwork LoopbackV6 = IPNetwork.Parse("::1/128");
    private readonly IOptions<WebhooksOptions> _options;
    private readonly IWebhookDnsResolver _resolver;
    private IPNetwork[]? _allowed;

    public OutboundGuard(IOptions<WebhooksOptions> options, IWebhookDnsResolver resolver)
    {
        _options = options;
        _resolver = resolver;
    }

    /// <summary>Gets a value indicating whether plain http is allowed (development opt-in).</summary>
    public bool AllowHttp => _options.Value.Safety.DangerouslyAllowHttp;

    private IPNetwork[] AllowedNetworks => _allowed ??= ParseNetworks(_options.Value.Safety.DangerouslyAllowedNetworks);

    /// <summary>Parses CIDR networks; a bare address counts as a single-address network. Invalid entries are skipped (the options validator reports them).</summary>
    public static IPNetwork[] ParseNetworks(IEnumerable<string>? networks)
    {
        var list = new List<IPNetwork>();
        foreach (var text in networks ?? [])
        {
            if (TryParseNetwork(text, out var network))
            {
                list.Add(network);
            }
        }

        return [.. list];
    }

    /// <summary>Parses one CIDR network (<c>10.0.0.0/8</c>) or a single address.</summary>
    public static bool TryParseNetwork(string? text, out IPNetwork network)
    {
        network = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        if (text.Contains('/', StringComparison.Ordinal))
        {
            return IPNetwork.TryParse(text, out network);
        }

        if (IPAddress.TryParse(text, out var address))
        {
            network = new IPNetwork(address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }

        return false;
    }

    /// <summary>The ranges a destination's own allow-list may open: private networks, shared address space and unique-local IPv6.</summary>
    private static readonly IPNetwork[] PrivateRanges =
    [
        IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("172.16.0.0/12"), IPNetwork.Parse("192.168.0.0/16"),
        IPNetwork.Parse("100.64.0.0/10"), IPNetwork.Parse("fc00::/7"),
    ];

    /// <summary>
    /// Parses a destination's private-network allow-list entry (a CIDR block or one address), which must lie inside a
    /// private range (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7): loopback, link-local (cloud metadata) and public
    /// addresses can never be opened per destination.
    /// </summary>
    public static string? ValidatePrivateNetwork(string? text, out IPNetwork network)
    {
        if (!TryParseNetwork(text, out network))
        {
            return "is not a CIDR block (for example 10.20.0.0/16) or an IP address";
        }

        foreach (var range in PrivateRanges)
        {
            if (range.BaseAddress.AddressFamily == network.BaseAddress.AddressFamily && network.PrefixLength >= range.PrefixLength && range.Contains(network.BaseAddress))
            {
                return null;
            }
        }

        return "must lie inside a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10 or fc00::/7)";
    }

    /// <summary>Judges one address: allowed when public or inside a development-allowed network (or the destination's own).</summary>
    public WebhookUrlVerdict JudgeAddress(IPAddress address, IReadOnlyList<IPNetwork>? destinationNetworks = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        return Classify(address, out var shown, destinationNetworks) is { } found
            ? WebhookUrlVerdict.Refuse(found.Rule, $"{shown} is {found.Description}")
            : WebhookUrlVerdict.Allow;
    }

    /// <summary>
    /// Judges a host (as in <see cref="Uri.IdnHost"/> or a connection's end point): IP literals by their address, names
    /// by the name rules and then by every address they resolve to.
    /// </summary>
    public async ValueTask<HostJudgement> JudgeHostAsync(string host, CancellationToken cancellationToken, IReadOnlyList<IPNetwork>? destinationNetworks = null)
    {
        var name = Normalize(host);
        if (name.Length == 0)
        {
            return Refused(WebhookUrlRules.InvalidHost, "the URL has no host");
        }

        if (TryParseAddress(name, out var literal))
        {
            var verdict = JudgeAddress(literal, destinationNetworks);
            return verdict.Allowed ? new HostJudgement(verdict, [literal]) : new HostJudgement(verdict, []);
        }

        if (name.Contains(':', StringComparison.Ordinal) || name.Contains('%', StringComparison.Ordinal))
        {
            return Refused(WebhookUrlRules.InvalidHost, $"'{name}' is not a valid host");
        }

        if (name == "localhost" || name.EndsWith(".localhost", StringComparison.Ordinal))
        {
            if (!AllowsLoopback())
            {
                return Refused(WebhookUrlRules.Localhost, $"'{name}' is a loopback name");
            }
        }
        else if (!name.Contains('.', StringComparison.Ordinal))
        {
            if (AllowedNetworks.Length == 0)
            {
                return Refused(WebhookUrlRules.SingleLabel, $"'{name}' is a single-label name, resolved through local search domains; use a fully qualified name");
            }
        }
        else if (EndsInNumber(name))
        {
            return Refused(WebhookUrlRules.InvalidHost, $"'{name}' ends in a number but is not a valid IPv4 address");
        }

        IPAddress[] addresses;
        try
        {
            addresses = await _resolver.ResolveAsync(name, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or ArgumentException or IOException)
        {
            return Refused(WebhookUrlRules.DnsFailure, $"'{name}' could not be resolved: {ex.Message}");
        }

        if (addresses is null || addresses.Length == 0)
        {
            return Refused(WebhookUrlRules.DnsFailure, $"'{name}' resolved to no address");
        }

        foreach (var address in addresses)
        {
            if (Classify(address, out var shown, destinationNetworks) is { } found)
            {
                // Tenants see the rule and the host; the address (an internal DNS answer) goes to the logs only.
                return new HostJudgement(
                    WebhookUrlVerdict.Refuse(WebhookUrlRules.DnsPrivate, $"'{name}' resolves to an address that is {found.Description} (rule '{found.Rule}'); every address of a name must be public")
                        with { Detail = $"'{name}' resolves to {shown}, which is {found.Description} (rule '{found.Rule}')" },
                    []);
            }
        }

        return new HostJudgement(WebhookUrlVerdict.Allow, addresses);
    }

    /// <summary>Lower-cases the host, removes IPv6 brackets, unescapes a zone id and drops one trailing dot.</summary>
    internal static string Normalize(string? host)
    {
        if (string.IsNullOrEmpty(host))
        {
            return string.Empty;
        }

        var name = host.Trim();
        if (name.StartsWith('[') && name.EndsWith(']'))
        {
            name = name[1..^1];
        }

        name = name.Replace("%25", "%", StringComparison.Ordinal);
        if (name.EndsWith('.') && !name.Contains(':', StringComparison.Ordinal))
        {
            name = name[..^1];
        }

        return name.ToLowerInvariant();
    }

    /// <summary>
    /// Parses an IP literal the way the operating system's resolver would: IPv6 (with an optional zone id) and every
    /// IPv4 form <c>inet_aton</c> accepts (decimal, octal, hex and short forms such as <c>2130706433</c>,
    /// <c>0177.0.0.1</c>, <c>0x7f.1</c>, <c>127.1</c>).
    /// </summary>
    internal static bool TryParseAddress(string name, out IPAddress address)
    {
        address = IPAddress.None;
        if (name.Contains(':', StringComparison.Ordinal))
        {
            if (IPAddress.TryParse(name, out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6)
            {
                address = v6;
                return true;
            }

            // A zone id naming an interface this machine does not have: judge the address without it.
            var zone = name.IndexOf('%', StringComparison.Ordinal);
            if (zone > 0 && IPAddress.TryParse(name[..zone], out v6) && v6.AddressFamily == AddressFamily.InterNetworkV6)
            {
                address = v6;
                return true;
            }

            return false;
        }

        var parts = name.Split('.');
        if (parts.Length is 0 or > 4)
        {
            return false;
        }

        Span<ulong> values = stackalloc ulong[4];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!TryParseInetNumber(parts[i], out values[i]))
            {
                return false;
            }
        }

        ulong result = 0;
        var last = parts.Length - 1;
        for (var i = 0; i < last; i++)
        {
            if (values[i] > 0xFF)
            {
                return false;
            }

            result |= values[i] << (8 * (3 - i));
        }

        var maxLast = last switch { 0 => 0xFFFFFFFFUL, 1 => 0xFFFFFFUL, 2 => 0xFFFFUL, _ => 0xFFUL };
        if (values[last] > maxLast)
        {
            return false;
        }

        result |= values[last];
        address = new IPAddress([(byte)(result >> 24), (byte)(result >> 16), (byte)(result >> 8), (byte)result]);
        return true;
    }

    private static bool TryParseInetNumber(string part, out ulong value)
    {
        value = 0;
        if (part.Length == 0)
        {
            return false;
        }

        if (part.Length > 1 && part[0] == '0' && (part[1] == 'x' || part[1] == 'X'))
        {
            var hex = part[2..];
            if (hex.Length == 0)
            {
                return true;
            }

            return hex.Length <= 8 && ulong.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
        }

        if (part.Length > 1 && part[0] == '0')
        {
            foreach (var c in part)
            {
                if (c is < '0' or > '7')
                {
                    return false;
                }
            }

            if (part.Length > 12)
            {
                return false;
            }

            foreach (var c in part)
            {
                value = (value * 8) + (ulong)(c - '0');
            }

            return true;
        }

        foreach (var c in part)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }

        return part.Length <= 10 && ulong.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>A real top-level label is never numeric; a name ending in one is a malformed address, not a name.</summary>
    private static bool EndsInNumber(string name)
    {
        var label = name[(name.LastIndexOf('.') + 1)..];
        if (label.Length == 0)
        {
            return false;
        }

        if (label.StartsWith("0x", StringComparison.Ordinal))
        {
            return true;
        }

        foreach (var c in label)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Classifies an address unless a development-allowed network holds it; IPv4-mapped addresses count as IPv4.</summary>
    private AddressClass? Classify(IPAddress address, out IPAddress shown, IReadOnlyList<IPNetwork>? destinationNetworks = null)
    {
        shown = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        if (IsInAllowedNetwork(shown))
        {
            return null;
        }

        var found = AddressClassifier.Classify(shown);
        if (found is not null && destinationNetworks is not null)
        {
            foreach (var network in destinationNetworks)
            {
                // Only ever a private address: the destination's list cannot open loopback or link-local, even by mistake.
                if (network.BaseAddress.AddressFamily == shown.AddressFamily && network.Contains(shown) && ValidatePrivateNetwork(shown.ToString(), out _) is null)
                {
                    return null;
                }
            }
        }

        return found;
    }

    private static HostJudgement Refused(string rule, string reason) => new(WebhookUrlVerdict.Refuse(rule, reason), []);

    private bool IsInAllowedNetwork(IPAddress address)
    {
        foreach (var network in AllowedNetworks)
        {
            if (network.BaseAddress.AddressFamily == address.AddressFamily && network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    private bool AllowsLoopback()
    {
        foreach (var network in AllowedNetworks)
        {
            if (network.Contains(IPAddress.Loopback) || network.Contains(IPAddress.IPv6Loopback)
                || (network.BaseAddress.AddressFamily == AddressFamily.InterNetwork && LoopbackV4.Contains(network.BaseAddress))
                || (network.BaseAddress.AddressFamily == AddressFamily.InterNetworkV6 && LoopbackV6.Contains(network.BaseAddress)))
            {
                return true;
            }
        }

        return false;
    }
}
