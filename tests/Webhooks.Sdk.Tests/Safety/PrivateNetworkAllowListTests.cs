using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;
using Webhooks.Sdk.Testing;
using Webhooks.Sdk.Tests.Support;

namespace Webhooks.Sdk.Tests.Safety;

/// <summary>A syslog collector's own private-network allow-list, instead of a process-wide opt-in (scripted DNS, never connects to the private address).</summary>
public class PrivateNetworkAllowListTests
{
    private const string Collector = "collector.internal.test";

    private static async Task<WebhookTestHost> StartAsync(Action<WebhooksOptions>? configure = null)
    {
        var dns = new ScriptedDnsResolver().Answer(Collector, "10.20.0.5");
        return await WebhookTestHost.StartAsync(configure, services: (s, _) => s.AddSingleton<IWebhookDnsResolver>(dns));
    }

    private static WebhookDestinationDefinition Siem(string name = "siem") => new() { Name = name, Url = $"syslog+tls://{Collector}:6514", Format = WebhookFormats.Syslog, RetryCount = 0 };

    [Test]
    public async Task CreateAsync_CollectorOnPrivateAddress_RefusedWithoutItsListAcceptedWithItAndTheListIsShownAndKept()
    {
        await using var host = await StartAsync();

        var refused = () => host.Destinations.CreateAsync(Siem());
        (await refused.Should().ThrowAsync<WebhookValidationException>()).Which.Message.Should().Contain("dns-private").And.NotContain("10.20.0.5");

        var created = await host.Destinations.CreateAsync(Siem().AllowPrivateNetworks("10.20.0.0/16"));
        created.AllowedPrivateNetworks.Should().Equal("10.20.0.0/16");
        (await host.Destinations.GetAsync(created.Id)).AllowedPrivateNetworks.Should().Equal(["10.20.0.0/16"], "the list is shown when the destination is read");

        var other = () => host.Destinations.CreateAsync(Siem("other"));
        (await other.Should().ThrowAsync<WebhookValidationException>()).Which.Message.Should().Contain("dns-private", "the list opens the network for its own destination only");

        var renamed = await host.Destinations.UpdateAsync(created.Id, new WebhookDestinationUpdate { Name = "siem-renamed" });
        renamed.AllowedPrivateNetworks.Should().Equal(["10.20.0.0/16"], "an update keeps the list");

        var cleared = await host.Destinations.AllowPrivateNetworksAsync(created.Id, []);
        cleared.AllowedPrivateNetworks.Should().BeEmpty();
        var changeUrl = () => host.Destinations.UpdateAsync(created.Id, new WebhookDestinationUpdate { Url = $"syslog+tls://{Collector}:6515" });
        (await changeUrl.Should().ThrowAsync<WebhookValidationException>()).Which.Message.Should().Contain("dns-private", "without its list the collector is refused again");
    }

    [Test]
    public async Task AllowPrivateNetworksAsync_EntriesOutsidePrivateRangesOrAnHttpDestination_RefusedNamingEachEntry()
    {
        await using var host = await StartAsync();
        var siem = await host.Destinations.CreateAsync(Siem().AllowPrivateNetworks("10.20.0.5"));

        var act = () => host.Destinations.AllowPrivateNetworksAsync(siem.Id, ["127.0.0.0/8", "169.254.169.254", "8.8.8.0/24", "10.0.0.0/7", "not-a-network", "192.168.1.0/24"]);

        var errors = (await act.Should().ThrowAsync<WebhookValidationException>()).Which.Errors;
        errors.Select(e => e.Field).Should().Equal("AllowedPrivateNetworks[0]", "AllowedPrivateNetworks[1]", "AllowedPrivateNetworks[2]", "AllowedPrivateNetworks[3]", "AllowedPrivateNetworks[4]");
        (await host.Destinations.GetAsync(siem.Id)).AllowedPrivateNetworks.Should().Equal(["10.20.0.5/32"], "nothing is stored on failure");

        var http = () => host.Destinations.CreateAsync(new WebhookDestinationDefinition { Name = "web", Url = "https://hooks.example.test/x" }.AllowPrivateNetworks("10.0.0.0/8"));
        (await http.Should().ThrowAsync<WebhookValidationException>()).Which.Errors.Should().Contain(e => e.Field == "AllowedPrivateNetworks" && e.Message.Contains("syslog", StringComparison.Ordinal));
    }

    [Test]
    public async Task Publish_CollectorWithItsList_TheConnectTimeGuardLetsItsPrivateAddressThrough()
    {
        await using var proxy = LoopbackConnectProxy.Start();
        await using var host = await StartAsync(o => o.Safety.Proxy = proxy.Url);
        var siem = await host.Destinations.CreateAsync(Siem().AllowPrivateNetworks("10.20.0.0/16"));

        var result = await host.Publisher.PublishAsync(WebhookEvent.Create("audit.login", new { n = 1 }));

        var delivery = await host.WaitForFinalAsync(result.Deliveries.Single().DeliveryId);
        delivery.LastError.Should().Contain("egress proxy", "the test proxy refuses a non-loopback target, so nothing reaches 10.20.0.5");
        proxy.Requests.Should().ContainSingle().Which.Should().StartWith("CONNECT 10.20.0.5:6514 HTTP/1.1", "the guard judged the private address allowed for this destination and tunnelled to it");
    }
}
