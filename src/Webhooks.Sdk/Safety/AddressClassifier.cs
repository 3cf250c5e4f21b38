using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Webhooks.Sdk.Safety;

/// <summary>Why an address is not public: the rule name and a short description.</summary>
/// <param name="Rule">The rule name (see <see cref="WebhookUrlRules"/>).</param>
/// <param name="Description">For example <c>loopback (127.0.0.0/8)</c>.</param>
internal readonly record struct AddressClass(string Rule, string Description);

/// <summary>
/// Classifies IP addresses against the ranges a webhook sender must never reach by default. IPv6 forms that carry an
/// IPv4 address (IPv4-mapped, NAT64, 6to4, Teredo) are judged by the IPv4 address inside.
/// </summary>
internal static class AddressClassifier
{
    private static readonly (uint Network, uint Mask, string Rule, string Range)[] V4Ranges =
    [
        (0xFFFFFFFF, 0xFFFFFFFF, WebhookUrlRules.Broadcast, "255.255.255.255/32"),
        (0x00000000, Mask(8), WebhookUrlRules.Unspecified, "0.0.0.0/8"),
        (0x0A000000, Mask(8), WebhookUrlRules.Private, "10.0.0.0/8"),
        (0x64400000, Mask(10), WebhookUrlRules.SharedAddressSpace, "100.64.0.0/10"),
        (0x7F000000, Mask(8), WebhookUrlRules.Loopback, "127.0.0.0/8"),
        (0xA9FE0000, Mask(16), WebhookUrlRules.LinkLocal, "169.254.0.0/16"),
        (0xAC100000, Mask(12), WebhookUrlRules.Private, "172.16.0.0/12"),
        (0xC0000000, Mask(24), WebhookUrlRules.Reserved, "192.0.0.0/24"),
        (0xC0000200, Mask(24), WebhookUrlRules.Documentation, "192.0.2.0/24"),
        (0xC0586300, Mask(24), WebhookUrlRules.Reserved, "192.88.99.0/24"),
        (0xC0A80000, Mask(16), WebhookUrlRules.Private, "192.168.0.0/16"),
        (0xC6120000, Mask(15), WebhookUrlRules.Benchmarking, "198.18.0.0/15"),
        (0xC6336400, Mask(24), WebhookUrlRules.Documentation, "198.51.100.0/24"),
        (0xCB007100, Mask(24), WebhookUrlRules.Documentation, "203.0.113.0/24"),
        (0xE0000000, Mask(4), WebhookUrlRules.Multicast, "224.0.0.0/4"),
        (0xF0000000, Mask(4), WebhookUrlRules.Reserved, "240.0.0.0/4"),
    ];

    private static readonly (IPNetwork Network, string Rule)[] V6Ranges =
    [
        (IPNetwork.Parse("100::/64"), WebhookUrlRules.Reserved),
        (IPNetwork.Parse("2001::/23"), WebhookUrlRules.Reserved),
        (IPNetwork.Parse("2001:db8::/32"), WebhookUrlRules.Documentation),
        (IPNetwork.Parse("fc00::/7"), WebhookUrlRules.Private),
        (IPNetwork.Parse("fe80::/10"), WebhookUrlRules.LinkLocal),
        (IPNetwork.Parse("ff00::/8"), WebhookUrlRules.Multicast),
    ];

    private static readonly IPNetwork GlobalUnicast = IPNetwork.Parse("2000::/3");

    /// <summary>Classifies an address.</summary>
    /// <param name="address">The address.</param>
    /// <returns><see langword="null"/> when the address is public; otherwise why it is not.</returns>
    public static AddressClass? Classify(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            Span<byte> v4 = stackalloc byte[4];
            address.TryWriteBytes(v4, out _);
            return ClassifyV4(BinaryPrimitives.ReadUInt32BigEndian(v4));
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return new AddressClass(WebhookUrlRules.Reserved, $"not an IP address ({address.AddressFamily})");
        }

        Span<byte> b = stackalloc byte[16];
        address.TryWriteBytes(b, out _);
        var high = BinaryPrimitives.ReadUInt64BigEndian(b);
        var low = BinaryPrimitives.ReadUInt64BigEndian(b[8..]);

        // ::ffff:0:0/96, IPv4-mapped: the connection goes to the IPv4 address.
        if (high == 0 && (low >> 32) == 0xFFFF)
        {
            return Embedded((uint)low, "IPv4-mapped");
        }

        if (high == 0 && low == 0)
        {
            return new AddressClass(WebhookUrlRules.Unspecified, "unspecified (::/128)");
        }

        if (high == 0 && low == 1)
        {
            return new AddressClass(WebhookUrlRules.Loopback, "loopback (::1/128)");
        }

        if (high == 0 && (low >> 32) == 0)
        {
            return new AddressClass(WebhookUrlRules.Reserved, "IPv4-compatible, deprecated (::/96)");
        }

        // 64:ff9b::/96, the well-known NAT64 prefix: the IPv4 address is in the last 32 bits.
        if (high == 0x0064_FF9B_0000_0000UL && (low >> 32) == 0)
        {
            return Embedded((uint)low, "NAT64 64:ff9b::/96");
        }

        // 64:ff9b:1::/48, local-use NAT64 (RFC 8215): judged by the IPv4 address in the last 32 bits (the /96 layout).
        // Another layout would put the IPv4 address elsewhere, so any other bit set between them is refused.
        if ((high >> 16) == 0x0064_FF9B_0001UL)
        {
            return (high & 0xFFFF) == 0 && (low >> 32) == 0
                ? Embedded((uint)low, "local-use NAT64 64:ff9b:1::/48")
                : new AddressClass(WebhookUrlRules.Reserved, "local-use NAT64 64:ff9b:1::/48 outside the /96 layout");
        }

        // 2002::/16, 6to4: the IPv4 address follows the prefix.
        if ((high >> 48) == 0x2002)
        {
            return Embedded((uint)(high >> 16), "6to4 2002::/16");
        }

        // 2001::/32, Teredo: server IPv4 in bits 32-63, client IPv4 obfuscated (inverted) in the last 32 bits.
        if ((high >> 32) == 0x2001_0000UL)
        {
            return Embedded((uint)high, "Teredo 2001::/32 (server)")
                ?? Embedded(~(uint)low, "Teredo 2001::/32 (client)")
                ?? new AddressClass(WebhookUrlRules.Reserved, "Teredo, inside 2001::/23");
        }

        foreach (var (network, rule) in V6Ranges)
        {
            if (network.Contains(address))
            {
                return new AddressClass(rule, $"{rule} ({network})");
            }
        }

        if (!GlobalUnicast.Contains(address))
        {
            return new AddressClass(WebhookUrlRules.Reserved, "reserved (outside global unicast 2000::/3)");
        }

        return null;
    }

    private static AddressClass? ClassifyV4(uint value)
    {
        foreach (var (network, mask, rule, range) in V4Ranges)
        {
            if ((value & mask) == network)
            {
                return new AddressClass(rule, $"{rule} ({range})");
            }
        }

        return null;
    }

    private static AddressClass? Embedded(uint v4, string form)
        => ClassifyV4(v4) is { } inner
            ? new AddressClass(inner.Rule, $"{inner.Description}, embedded as {ToIPv4(v4)} in {form}")
            : null;

    private static IPAddress ToIPv4(uint value)
    {
        Span<byte> v4 = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(v4, value);
        return new IPAddress(v4);
    }

    private static uint Mask(int bits) => bits == 0 ? 0 : uint.MaxValue << (32 - bits);
}
