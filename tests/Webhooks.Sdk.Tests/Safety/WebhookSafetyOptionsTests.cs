using FluentAssertions;
using Microsoft.Extensions.Options;
using NUnit.Framework;
using Webhooks.Sdk.Tests.Support;

namespace Webhooks.Sdk.Tests.Safety;

public class WebhookSafetyOptionsTests
{
    [Test]
    public void Defaults_AreSafe()
    {
        var options = new WebhookSafetyOptions();

        options.DangerouslyAllowHttp.Should().BeFalse();
        options.DangerouslyAllowedNetworks.Should().BeEmpty();
        options.Proxy.Should().BeNull();
        options.MaxPayloadBytes.Should().Be(256 * 1024);
        options.ResponseExcerptBytes.Should().Be(4096);
    }

    [Test]
    public void DangerouslyAllowLoopbackForDevelopment_CalledTwice_AddsLoopbackOnce()
    {
        var options = new WebhookSafetyOptions();

        options.DangerouslyAllowLoopbackForDevelopment().DangerouslyAllowLoopbackForDevelopment();

        options.DangerouslyAllowHttp.Should().BeTrue();
        options.DangerouslyAllowedNetworks.Should().Equal("127.0.0.0/8", "::1/128");
    }

    [Test]
    public void DangerouslyAllowPrivateNetworksForDevelopment_AddsPrivateRangesButNotLinkLocal()
    {
        var options = new WebhookSafetyOptions().DangerouslyAllowPrivateNetworksForDevelopment();

        options.DangerouslyAllowHttp.Should().BeTrue();
        options.DangerouslyAllowedNetworks.Should().BeEquivalentTo("127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7");
    }

    [Test]
    public async Task Start_InvalidAllowedNetwork_FailsNamingTheField()
    {
        var act = async () =>
        {
            await using var host = await WebhookTestHost.StartAsync(o => o.Safety.DangerouslyAllowedNetworks.Add("10.0.0.0/33"));
        };

        (await act.Should().ThrowAsync<OptionsValidationException>()).Which.Message
            .Should().Contain("Safety.DangerouslyAllowedNetworks: '10.0.0.0/33' is not a network in CIDR form");
    }

    [Test]
    public async Task Start_HttpsProxy_FailsNamingTheField()
    {
        var act = async () =>
        {
            await using var host = await WebhookTestHost.StartAsync(o => o.Safety.Proxy = new Uri("https://proxy.example.test:3128"));
        };

        (await act.Should().ThrowAsync<OptionsValidationException>()).Which.Message.Should().Contain("Safety.Proxy must be an http:// URI");
    }

    [Test]
    public async Task Start_WithOptIns_LogsWarnings()
    {
        await using var host = await WebhookTestHost.StartAsync();

        host.Logs.Lines.Should().Contain(l => l.StartsWith("Warning", StringComparison.Ordinal) && l.Contains("Safety.DangerouslyAllowHttp", StringComparison.Ordinal));
        host.Logs.Lines.Should().Contain(l => l.StartsWith("Warning", StringComparison.Ordinal) && l.Contains("Safety.DangerouslyAllowedNetworks = 127.0.0.0/8, ::1/128", StringComparison.Ordinal));
    }

    [Test]
    public async Task Start_WithoutOptIns_LogsNoSafetyWarning()
    {
        await using var host = await WebhookTestHost.StartAsync(o =>
        {
            o.Safety.DangerouslyAllowHttp = false;
            o.Safety.DangerouslyAllowedNetworks.Clear();
        });

        host.Logs.AllText.Should().NotContain("Safety.Dangerously");
    }
}
