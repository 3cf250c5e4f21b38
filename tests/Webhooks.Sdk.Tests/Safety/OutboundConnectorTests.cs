using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;
using Webhooks.Sdk.Safety;
using Webhooks.Sdk.Testing;

namespace Webhooks.Sdk.Tests.Safety;

/// <summary>The connect-time rules offered to non-HTTP transports.</summary>
public class OutboundConnectorTests
{
    [Test]
    public async Task ConnectTcpAsync_NameRebindsToLoopback_RefusedWithoutConnection()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        var resolver = new ScriptedDnsResolver().Answer("collector.example.test", "127.0.0.1");
        await using var services = SafetyTestServices.Build(resolver);
        var connector = services.GetRequiredService<OutboundConnector>();

        var act = async () => await connector.ConnectTcpAsync("collector.example.test", receiver.BaseUrl.Port, CancellationToken.None);

        (await act.Should().ThrowAsync<WebhookUrlRefusedException>()).Which.Verdict!.Rule.Should().Be(WebhookUrlRules.DnsPrivate);
        receiver.ConnectionCount.Should().Be(0);
    }

    [Test]
    public async Task ConnectTcpAsync_AllowedLoopback_Connects()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        var resolver = new ScriptedDnsResolver().Answer("collector.example.test", "127.0.0.1");
        await using var services = SafetyTestServices.Build(resolver, s => s.DangerouslyAllowLoopbackForDevelopment());
        var connector = services.GetRequiredService<OutboundConnector>();

        await using (var stream = await connector.ConnectTcpAsync("collector.example.test", receiver.BaseUrl.Port, CancellationToken.None))
        {
            stream.Socket.Connected.Should().BeTrue();
        }

        await Webhooks.Sdk.Tests.Support.WebhookTestHost.WaitUntilAsync(() => Task.FromResult(receiver.ConnectionCount == 1), because: "the receiver sees the connection");
    }
}
