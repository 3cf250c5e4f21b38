using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;

namespace Webhooks.Sdk.Tests.Safety;

public class WebhookUrlPolicyTests
{
    private const string Allowed = "(allowed)";

    private static readonly object[] Cases =
    [
        // Scheme and user-info.
        new object[] { "http://public.example.test/", WebhookUrlRules.HttpsOnly },
        new object[] { "https://user@public.example.test/", WebhookUrlRules.UserInfo },
        new object[] { "https://user:pw@public.example.test/", WebhookUrlRules.UserInfo },

        // Names.
        new object[] { "https://localhost/", WebhookUrlRules.Localhost },
        new object[] { "https://LOCALHOST./", WebhookUrlRules.Localhost },
        new object[] { "https://api.localhost/", WebhookUrlRules.Localhost },
        new object[] { "https://intranet/", WebhookUrlRules.SingleLabel },
        new object[] { "https://intranet./", WebhookUrlRules.SingleLabel },

        // Every IPv4 range.
        new object[] { "https://0.0.0.0/", WebhookUrlRules.Unspecified },
        new object[] { "https://0/", WebhookUrlRules.Unspecified },
        new object[] { "https://0.1.2.3/", WebhookUrlRules.Unspecified },
        new object[] { "https://10.0.0.1/", WebhookUrlRules.Private },
        new object[] { "https://10.255.255.255/", WebhookUrlRules.Private },
        new object[] { "https://100.64.0.1/", WebhookUrlRules.SharedAddressSpace },
        new object[] { "https://100.127.255.254/", WebhookUrlRules.SharedAddressSpace },
        new object[] { "https://127.0.0.1/", WebhookUrlRules.Loopback },
        new object[] { "https://127.255.255.254:8443/x", WebhookUrlRules.Loopback },
        new object[] { "https://169.254.169.254/latest/meta-data/", WebhookUrlRules.LinkLocal },
        new object[] { "https://172.16.0.1/", WebhookUrlRules.Private },
        new object[] { "https://172.31.255.255/", WebhookUrlRules.Private },
        new object[] { "https://192.0.0.8/", WebhookUrlRules.Reserved },
        new object[] { "https://192.0.2.1/", WebhookUrlRules.Documentation },
        new object[] { "https://192.88.99.1/", WebhookUrlRules.Reserved },
        new object[] { "https://192.168.1.1/", WebhookUrlRules.Private },
        new object[] { "https://198.18.0.1/", WebhookUrlRules.Benchmarking },
        new object[] { "https://198.19.255.255/", WebhookUrlRules.Benchmarking },
        new object[] { "https://198.51.100.7/", WebhookUrlRules.Documentation },
        new object[] { "https://203.0.113.9/", WebhookUrlRules.Documentation },
        new object[] { "https://224.0.0.1/", WebhookUrlRules.Multicast },
        new object[] { "https://239.255.255.250/", WebhookUrlRules.Multicast },
        new object[] { "https://240.0.0.1/", WebhookUrlRules.Reserved },
        new object[] { "https://255.255.255.255/", WebhookUrlRules.Broadcast },

        // Public IPv4, including the edges of refused ranges.
        new object[] { "https://93.184.216.34/", Allowed },
        new object[] { "https://9.255.255.255/", Allowed },
        new object[] { "https://11.0.0.1/", Allowed },
        new object[] { "https://100.128.0.1/", Allowed },
        new object[] { "https://172.32.0.1/", Allowed },
        new object[] { "https://198.20.0.1/", Allowed },

        // IPv4 written the ways the operating system also accepts.
        new object[] { "https://2130706433/", WebhookUrlRules.Loopback },
        new object[] { "https://0177.0.0.1/", WebhookUrlRules.Loopback },
        new object[] { "https://0x7f.0.0.1/", WebhookUrlRules.Loopback },
        new object[] { "https://0x7f000001/", WebhookUrlRules.Loopback },
        new object[] { "https://017700000001/", WebhookUrlRules.Loopback },
        new object[] { "https://127.1/", WebhookUrlRules.Loopback },
        new object[] { "https://0xa9.0xfe.0xa9.0xfe/", WebhookUrlRules.LinkLocal },
        new object[] { "https://10.1/", WebhookUrlRules.Private },
        new object[] { "https://127.0.0.1./", WebhookUrlRules.Loopback },
        new object[] { "https://127\u30020\u30020\u30021/", WebhookUrlRules.Loopback },
        new object[] { "https://08.1.1.1/", WebhookUrlRules.InvalidHost },
        new object[] { "https://256.1.1.1/", WebhookUrlRules.InvalidHost },
        new object[] { "https://1.2.3.4.5/", WebhookUrlRules.InvalidHost },

        // IPv6, with zone ids and the forms that embed an IPv4 address.
        new object[] { "https://[::]/", WebhookUrlRules.Unspecified },
        new object[] { "https://[::1]/", WebhookUrlRules.Loopback },
        new object[] { "https://[0:0:0:0:0:0:0:1]:8443/", WebhookUrlRules.Loopback },
        new object[] { "https://[::ffff:127.0.0.1]/", WebhookUrlRules.Loopback },
        new object[] { "https://[::ffff:a9fe:a9fe]/", WebhookUrlRules.LinkLocal },
        new object[] { "https://[::ffff:93.184.216.34]/", Allowed },
        new object[] { "https://[::7f00:1]/", WebhookUrlRules.Reserved },
        new object[] { "https://[64:ff9b::127.0.0.1]/", WebhookUrlRules.Loopback },
        new object[] { "https://[64:ff9b::10.0.0.1]/", WebhookUrlRules.Private },
        new object[] { "https://[64:ff9b::93.184.216.34]/", Allowed },
        new object[] { "https://[64:ff9b:1::a00:1]/", WebhookUrlRules.Private },
        new object[] { "https://[64:ff9b:1::5db8:d822]/", Allowed },
        new object[] { "https://[64:ff9b:1:a9fe:a9:fe00::]/", WebhookUrlRules.Reserved },
        new object[] { "https://[2002:7f00:1::]/", WebhookUrlRules.Loopback },
        new object[] { "https://[2002:c0a8:101::1]/", WebhookUrlRules.Private },
        new object[] { "https://[2002:5db8:d822::1]/", Allowed },
        new object[] { "https://[2001:0:4136:e378:8000:63bf:80ff:fffe]/", WebhookUrlRules.Loopback },
        new object[] { "https://[2001:0:4136:e378:8000:63bf:a2c4:5e9c]/", WebhookUrlRules.Reserved },
        new object[] { "https://[100::1]/", WebhookUrlRules.Reserved },
        new object[] { "https://[2001:10::1]/", WebhookUrlRules.Reserved },
        new object[] { "https://[2001:db8::1]/", WebhookUrlRules.Documentation },
        new object[] { "https://[fc00::1]/", WebhookUrlRules.Private },
        new object[] { "https://[fd12:3456::1]/", WebhookUrlRules.Private },
        new object[] { "https://[fe80::1]/", WebhookUrlRules.LinkLocal },
        new object[] { "https://[fe80::1%25eth0]/", WebhookUrlRules.LinkLocal },
        new object[] { "https://[fe80::1%25nosuchinterface9]/", WebhookUrlRules.LinkLocal },
        new object[] { "https://[ff02::1]/", WebhookUrlRules.Multicast },
        new object[] { "https://[fec0::1]/", WebhookUrlRules.Reserved },
        new object[] { "https://[2606:2800:220:1:248:1893:25c8:1946]/", Allowed },

        // Names judged by every address they resolve to (scripted resolver; nothing is contacted).
        new object[] { "https://public.example.test/hook", Allowed },
        new object[] { "https://public.example.test:8443/hook?token=x", Allowed },
        new object[] { "https://PUBLIC.Example.Test./hook", Allowed },
        new object[] { "https://v6.example.test/", Allowed },
        new object[] { "https://dual.example.test/", Allowed },
        new object[] { "https://private.example.test/", WebhookUrlRules.DnsPrivate },
        new object[] { "https://mixed.example.test/", WebhookUrlRules.DnsPrivate },
        new object[] { "https://metadata.example.test/", WebhookUrlRules.DnsPrivate },
        new object[] { "https://mapped.example.test/", WebhookUrlRules.DnsPrivate },
        new object[] { "https://ula.example.test/", WebhookUrlRules.DnsPrivate },
        new object[] { "https://nat64.example.test/", WebhookUrlRules.DnsPrivate },
        new object[] { "https://empty.example.test/", WebhookUrlRules.DnsFailure },
        new object[] { "https://missing.example.test/", WebhookUrlRules.DnsFailure },
    ];

    [TestCaseSource(nameof(Cases))]
    public async Task EvaluateAsync_DefaultPolicy_GivesExpectedVerdictAndRule(string url, string expected)
    {
        var resolver = SafetyTestServices.Resolver();
        await using var services = SafetyTestServices.Build(resolver);
        var policy = services.GetRequiredService<IWebhookUrlPolicy>();

        var verdict = await policy.EvaluateAsync(new Uri(url), CancellationToken.None);

        if (expected == Allowed)
        {
            verdict.Should().Be(WebhookUrlVerdict.Allow, "{0} is public", url);
        }
        else
        {
            verdict.Allowed.Should().BeFalse("{0} must be refused", url);
            verdict.Rule.Should().Be(expected);
            verdict.Reason.Should().NotBeNullOrWhiteSpace();
        }
    }

    [Test]
    public void Cases_CoverAtLeastSixtyUrls_AndEveryRule()
    {
        Cases.Should().HaveCountGreaterThanOrEqualTo(60);
        // plaintext-transport is judged at save and by the syslog transport, not by the URL policy.
        var rules = typeof(WebhookUrlRules).GetFields().Select(f => (string)f.GetRawConstantValue()!).Where(r => r != WebhookUrlRules.PlaintextTransport).ToList();
        var used = Cases.Cast<object[]>().Select(c => (string)c[1]).ToHashSet();
        rules.Should().OnlyContain(r => used.Contains(r), "every rule has at least one case");
        used.Should().Contain(Allowed);
    }

    [TestCase("https://127.0.0.1/", "127.0.0.1 is loopback (127.0.0.0/8)")]
    [TestCase("https://2130706433/", "127.0.0.1 is loopback (127.0.0.0/8)")]
    [TestCase("https://[::ffff:a9fe:a9fe]/", "169.254.169.254 is link-local (169.254.0.0/16)")]
    [TestCase("https://[2002:c0a8:101::1]/", "private (192.168.0.0/16), embedded as 192.168.1.1 in 6to4")]
    [TestCase("https://[2001:0:4136:e378:8000:63bf:80ff:fffe]/", "embedded as 127.0.0.1 in Teredo")]
    [TestCase("https://mixed.example.test/", "'mixed.example.test' resolves to an address that is loopback (127.0.0.0/8) (rule 'loopback')")]
    [TestCase("https://metadata.example.test/", "(rule 'link-local')")]
    [TestCase("https://mapped.example.test/", "resolves to an address that is private (10.0.0.0/8)")]
    [TestCase("https://missing.example.test/", "'missing.example.test' could not be resolved")]
    public async Task EvaluateAsync_Refusal_ReasonNamesTheAddressAndRange(string url, string reasonPart)
    {
        await using var services = SafetyTestServices.Build(SafetyTestServices.Resolver());

        var verdict = await services.GetRequiredService<IWebhookUrlPolicy>().EvaluateAsync(new Uri(url), CancellationToken.None);

        verdict.Reason.Should().Contain(reasonPart);
    }

    [TestCase("http://127.0.0.1:5000/hook", Allowed)]
    [TestCase("http://[::1]:5000/hook", Allowed)]
    [TestCase("http://localhost:5000/hook", Allowed)]
    [TestCase("http://2130706433/", Allowed)]
    [TestCase("http://public.example.test/", Allowed)]
    [TestCase("http://10.0.0.1/", WebhookUrlRules.Private)]
    [TestCase("http://169.254.169.254/", WebhookUrlRules.LinkLocal)]
    [TestCase("http://[::ffff:10.0.0.1]/", WebhookUrlRules.Private)]
    [TestCase("http://private.example.test/", WebhookUrlRules.DnsPrivate)]
    [TestCase("http://intranet/", WebhookUrlRules.DnsPrivate)]
    [TestCase("http://user@127.0.0.1/", WebhookUrlRules.UserInfo)]
    public async Task EvaluateAsync_LoopbackDevelopmentOptIn_AllowsOnlyLoopbackAndHttp(string url, string expected)
    {
        await using var services = SafetyTestServices.Build(SafetyTestServices.Resolver(), s => s.DangerouslyAllowLoopbackForDevelopment());

        var verdict = await services.GetRequiredService<IWebhookUrlPolicy>().EvaluateAsync(new Uri(url), CancellationToken.None);

        verdict.Allowed.Should().Be(expected == Allowed, verdict.Reason);
        if (expected != Allowed)
        {
            verdict.Rule.Should().Be(expected);
        }
    }

    [TestCase("http://10.0.0.1/", Allowed)]
    [TestCase("http://172.20.1.1:8080/", Allowed)]
    [TestCase("http://192.168.1.10/", Allowed)]
    [TestCase("http://[fd00::1]/", Allowed)]
    [TestCase("http://127.0.0.1/", Allowed)]
    [TestCase("http://intranet/", Allowed)]
    [TestCase("http://private.example.test/", Allowed)]
    [TestCase("http://169.254.169.254/", WebhookUrlRules.LinkLocal)]
    [TestCase("http://metadata.example.test/", WebhookUrlRules.DnsPrivate)]
    [TestCase("http://100.64.0.1/", WebhookUrlRules.SharedAddressSpace)]
    [TestCase("http://224.0.0.1/", WebhookUrlRules.Multicast)]
    public async Task EvaluateAsync_PrivateNetworksDevelopmentOptIn_AllowsPrivateButNotLinkLocal(string url, string expected)
    {
        await using var services = SafetyTestServices.Build(SafetyTestServices.Resolver(), s => s.DangerouslyAllowPrivateNetworksForDevelopment());

        var verdict = await services.GetRequiredService<IWebhookUrlPolicy>().EvaluateAsync(new Uri(url), CancellationToken.None);

        verdict.Allowed.Should().Be(expected == Allowed, verdict.Reason);
        if (expected != Allowed)
        {
            verdict.Rule.Should().Be(expected);
        }
    }

    [Test]
    public async Task EvaluateAsync_HttpOnlyOptIn_StillRefusesLoopback()
    {
        await using var services = SafetyTestServices.Build(SafetyTestServices.Resolver(), s => s.DangerouslyAllowHttp = true);

        var verdict = await services.GetRequiredService<IWebhookUrlPolicy>().EvaluateAsync(new Uri("http://127.0.0.1:8080/"), CancellationToken.None);

        verdict.Rule.Should().Be(WebhookUrlRules.Loopback);
    }

    [Test]
    public async Task EvaluateAsync_SingleAddressAllowed_AllowsOnlyThatAddress()
    {
        await using var services = SafetyTestServices.Build(SafetyTestServices.Resolver(), s => s.DangerouslyAllowedNetworks.Add("10.0.0.5"));
        var policy = services.GetRequiredService<IWebhookUrlPolicy>();

        (await policy.EvaluateAsync(new Uri("https://private.example.test/"), CancellationToken.None)).Allowed.Should().BeTrue();
        (await policy.EvaluateAsync(new Uri("https://10.0.0.6/"), CancellationToken.None)).Rule.Should().Be(WebhookUrlRules.Private);
    }

    [Test]
    public async Task EvaluateAsync_Name_ResolvesEveryTime()
    {
        var resolver = SafetyTestServices.Resolver();
        await using var services = SafetyTestServices.Build(resolver);
        var policy = services.GetRequiredService<IWebhookUrlPolicy>();

        await policy.EvaluateAsync(new Uri("https://public.example.test/"), CancellationToken.None);
        resolver.Answer("public.example.test", "192.168.0.9");
        var second = await policy.EvaluateAsync(new Uri("https://public.example.test/"), CancellationToken.None);

        second.Rule.Should().Be(WebhookUrlRules.DnsPrivate);
        resolver.CallsFor("public.example.test").Should().Be(2);
    }
}
