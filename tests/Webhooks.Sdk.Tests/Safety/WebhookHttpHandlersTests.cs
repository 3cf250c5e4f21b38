using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;
using Webhooks.Sdk.Testing;
using Webhooks.Sdk.Tests.Support;

namespace Webhooks.Sdk.Tests.Safety;

/// <summary>Connect-time enforcement: the handler resolves and judges the host itself for every new connection.</summary>
public class WebhookHttpHandlersTests
{
    private static Task<WebhookTestHost> StartHostAsync(ScriptedDnsResolver resolver, bool allowLoopback, Uri? proxy = null)
        => WebhookTestHost.StartAsync(
            o =>
            {
                o.Safety.DangerouslyAllowedNetworks.Clear();
                o.Safety.DangerouslyAllowHttp = true;
                if (allowLoopback)
                {
                    o.Safety.DangerouslyAllowLoopbackForDevelopment();
                }

                o.Safety.Proxy = proxy;
            },
            (s, _) => s.AddSingleton<IWebhookDnsResolver>(resolver));

    private static WebhookDestinationDefinition Named(LocalWebhookReceiver receiver, string host)
        => new() { Name = host, Url = $"http://{host}:{receiver.BaseUrl.Port}/hook", RetryCount = 0 };

    [Test]
    public async Task ConnectCallback_DnsRebindsToLoopbackAfterSave_NoConnectionAndAttemptFailsWithRule()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        var resolver = new ScriptedDnsResolver().AnswerInTurn("rebind.example.test", [SafetyTestServices.PublicV4], ["127.0.0.1"]);
        await using var host = await StartHostAsync(resolver, allowLoopback: false);
        await host.Destinations.CreateAsync(Named(receiver, "rebind.example.test"));
        resolver.CallsFor("rebind.example.test").Should().Be(1, "the save-time check resolved the public answer");

        var result = await host.Publisher.PublishAsync(WebhookEvent.Create("scan.completed", new { n = 1 }));
        var delivery = await host.WaitForFinalAsync(result.Deliveries[0].DeliveryId);

        TestContext.Out.WriteLine(delivery.LastError);
        delivery.Status.Should().Be(WebhookDeliveryStatus.Failed);
        delivery.LastError.Should().Contain($"rule '{WebhookUrlRules.DnsPrivate}'").And.NotContain("127.0.0.1").And.Contain("loopback");
        receiver.ConnectionCount.Should().Be(0);
        receiver.Requests.Should().BeEmpty();
        resolver.CallsFor("rebind.example.test").Should().Be(2, "the connection resolved the name again");
        host.Logs.AllText.Should().Contain("Refused an outbound connection to rebind.example.test");
    }

    [Test]
    public async Task ConnectCallback_NameResolvesToAllowedLoopback_ConnectsToTheResolvedAddress()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        var resolver = new ScriptedDnsResolver().Answer("hooks.example.test", "127.0.0.1");
        await using var host = await StartHostAsync(resolver, allowLoopback: true);
        await host.Destinations.CreateAsync(Named(receiver, "hooks.example.test"));

        var result = await host.Publisher.PublishAsync(WebhookEvent.Create("scan.completed", new { n = 1 }));
        var delivery = await host.WaitForFinalAsync(result.Deliveries[0].DeliveryId);

        delivery.Status.Should().Be(WebhookDeliveryStatus.Succeeded, delivery.LastError);
        receiver.ConnectionCount.Should().Be(1);
        receiver.Requests.Should().ContainSingle().Which.Header("Host").Should().Be($"hooks.example.test:{receiver.BaseUrl.Port}");
        resolver.CallsFor("hooks.example.test").Should().Be(2);
    }

    [Test]
    public async Task ConnectCallback_AddressAnswerWithOneRefusedAddress_RefusesTheName()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        var resolver = new ScriptedDnsResolver().AnswerInTurn("multi.example.test", ["127.0.0.1"], ["127.0.0.1", "169.254.169.254"]);
        await using var host = await StartHostAsync(resolver, allowLoopback: true);
        await host.Destinations.CreateAsync(Named(receiver, "multi.example.test"));

        var result = await host.Publisher.PublishAsync(WebhookEvent.Create("scan.completed", new { n = 1 }));
        var delivery = await host.WaitForFinalAsync(result.Deliveries[0].DeliveryId);

        delivery.Status.Should().Be(WebhookDeliveryStatus.Failed);
        delivery.LastError.Should().NotContain("169.254.169.254").And.Contain("link-local");
        receiver.ConnectionCount.Should().Be(0);
    }

    [Test]
    public async Task ConnectCallback_DnsFailsAtConnect_AttemptFailsWithDnsFailure()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        var resolver = new ScriptedDnsResolver().Answer("gone.example.test", SafetyTestServices.PublicV4);
        await using var host = await StartHostAsync(resolver, allowLoopback: true);
        await host.Destinations.CreateAsync(Named(receiver, "gone.example.test"));
        resolver.Fail("gone.example.test");

        var result = await host.Publisher.PublishAsync(WebhookEvent.Create("scan.completed", new { n = 1 }));
        var delivery = await host.WaitForFinalAsync(result.Deliveries[0].DeliveryId);

        delivery.LastError.Should().Contain($"rule '{WebhookUrlRules.DnsFailure}'");
        receiver.ConnectionCount.Should().Be(0);
    }

    [Test]
    public async Task ConnectCallback_ThroughProxy_TunnelsToTheJudgedAddressNotTheName()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var proxy = LoopbackConnectProxy.Start();
        var resolver = new ScriptedDnsResolver().Answer("hooks.example.test", "127.0.0.1");
        await using var host = await StartHostAsync(resolver, allowLoopback: true, proxy.Url);
        await host.Destinations.CreateAsync(Named(receiver, "hooks.example.test"));

        var result = await host.Publisher.PublishAsync(WebhookEvent.Create("scan.completed", new { n = 1 }));
        var delivery = await host.WaitForFinalAsync(result.Deliveries[0].DeliveryId);

        delivery.Status.Should().Be(WebhookDeliveryStatus.Succeeded, delivery.LastError);
        proxy.Requests.Should().ContainSingle().Which.Should().StartWith($"CONNECT 127.0.0.1:{receiver.BaseUrl.Port} HTTP/1.1\r\n");
        receiver.Requests.Should().ContainSingle().Which.Header("Host").Should().Be($"hooks.example.test:{receiver.BaseUrl.Port}");
    }

    [Test]
    public async Task ConnectCallback_ThroughProxyToRefusedAddress_ProxyIsNeverContacted()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var proxy = LoopbackConnectProxy.Start();
        var resolver = new ScriptedDnsResolver().AnswerInTurn("rebind.example.test", [SafetyTestServices.PublicV4], ["10.0.0.5"]);
        await using var host = await StartHostAsync(resolver, allowLoopback: true, proxy.Url);
        await host.Destinations.CreateAsync(Named(receiver, "rebind.example.test"));

        var result = await host.Publisher.PublishAsync(WebhookEvent.Create("scan.completed", new { n = 1 }));
        var delivery = await host.WaitForFinalAsync(result.Deliveries[0].DeliveryId);

        delivery.Status.Should().Be(WebhookDeliveryStatus.Failed);
        delivery.LastError.Should().Contain($"rule '{WebhookUrlRules.DnsPrivate}'").And.NotContain("10.0.0.5");
        proxy.ConnectionCount.Should().Be(0);
        receiver.ConnectionCount.Should().Be(0);
    }

    [Test]
    public async Task ConnectCallback_ProxyRefusesTunnel_AttemptFailsWithProxyStatus()
    {
        await using var proxy = LoopbackConnectProxy.Start();
        var resolver = new ScriptedDnsResolver().Answer("public.example.test", SafetyTestServices.PublicV4);
        await using var host = await StartHostAsync(resolver, allowLoopback: true, proxy.Url);
        await host.Destinations.CreateAsync(new WebhookDestinationDefinition { Name = "p", Url = "https://public.example.test/hook", RetryCount = 0 });

        var result = await host.Publisher.PublishAsync(WebhookEvent.Create("scan.completed", new { n = 1 }));
        var delivery = await host.WaitForFinalAsync(result.Deliveries[0].DeliveryId);

        // The test proxy only tunnels to loopback: it answers 403 and never connects to the public address.
        delivery.Status.Should().Be(WebhookDeliveryStatus.Failed);
        delivery.LastError.Should().Contain("The egress proxy refused the tunnel").And.Contain("403");
        proxy.Requests.Should().ContainSingle().Which.Should().StartWith($"CONNECT {SafetyTestServices.PublicV4}:443 ");
    }

    [Test]
    public async Task ConnectCallback_PlainHttpAfterOptInRemoved_RefusedAtConnect()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        var options = new WebhooksOptions();
        options.Safety.DangerouslyAllowLoopbackForDevelopment();
        options.Safety.DangerouslyAllowHttp = false;
        var services = new ServiceCollection();
        services.AddWebhooks(o => o.Safety = options.Safety);
        await using var provider = services.BuildServiceProvider();
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("Webhooks.Sdk");

        var act = () => client.GetAsync(receiver.Url("/hook"));

        (await act.Should().ThrowAsync<HttpRequestException>()).WithInnerException<WebhookUrlRefusedException>()
            .Which.Verdict!.Rule.Should().Be(WebhookUrlRules.HttpsOnly);
        receiver.ConnectionCount.Should().Be(0);
    }

    [TestCase("http://[::1]:{0}/hook")]
    [TestCase("http://[::ffff:127.0.0.1]:{0}/hook")]
    [TestCase("http://2130706433:{0}/hook")]
    public async Task ConnectCallback_LoopbackLiteralWithOptIn_Connects(string template)
    {
        var v6 = template.Contains("[::1]", StringComparison.Ordinal);
        await using var receiver = await LocalWebhookReceiver.StartAsync(new LocalWebhookReceiverOptions { Address = v6 ? System.Net.IPAddress.IPv6Loopback : System.Net.IPAddress.Loopback });
        await using var host = await StartHostAsync(new ScriptedDnsResolver(), allowLoopback: true);
        var url = string.Format(System.Globalization.CultureInfo.InvariantCulture, template, receiver.BaseUrl.Port);
        await host.Destinations.CreateAsync(new WebhookDestinationDefinition { Name = "literal", Url = url, RetryCount = 0 });

        var result = await host.Publisher.PublishAsync(WebhookEvent.Create("scan.completed", new { n = 1 }));
        var delivery = await host.WaitForFinalAsync(result.Deliveries[0].DeliveryId);

        delivery.Status.Should().Be(WebhookDeliveryStatus.Succeeded, delivery.LastError);
        receiver.Requests.Should().ContainSingle();
    }
}
