using FluentAssertions;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using NUnit.Framework;
using Webhooks.Sdk.Testing;
using Webhooks.Sdk.Transports.Tests.Support;

namespace Webhooks.Sdk.Transports.Tests.Safety;

/// <summary>
/// The outbound address rules for each transport: a broker or mail server whose name resolves to a private address
/// (loopback here, where the real servers run) is refused without an allow-list entry, reached with one, and judged
/// again when the connection is opened (a name that resolves to a public address at save time and to a private one at
/// connect time is refused then).
/// </summary>
public class TransportSafetyTests
{
    private const string PublicAddress = "93.184.216.34";

    public enum Scheme
    {
        Smtp,
        Amqp,
        Nats,
    }

    private static async Task<WebhookDestinationDefinition> DefinitionAsync(Scheme scheme, string host)
    {
        switch (scheme)
        {
            case Scheme.Smtp:
                return new WebhookDestinationDefinition
                {
                    Name = "mail",
                    Url = $"smtp://{host}:{TestServers.Smtp.Port}",
                    RetryCount = 0,
                    FormatSettings = { ["from"] = "alerts@example.com", ["to"] = "ops@example.com", ["caCertificate"] = TestServers.SmtpCaPem },
                };
            case Scheme.Amqp:
                var queue = "webhooks.safety." + Guid.NewGuid().ToString("N");
                var factory = new global::RabbitMQ.Client.ConnectionFactory { HostName = TestServers.RabbitMq.Host, Port = TestServers.RabbitMq.Port };
                await using (var amqp = await factory.CreateConnectionAsync())
                await using (var channel = await amqp.CreateChannelAsync())
                {
                    await channel.QueueDeclareAsync(queue, durable: false, exclusive: false, autoDelete: false);
                }

                return new WebhookDestinationDefinition
                {
                    Name = "rabbit",
                    Url = $"amqp://{host}:{TestServers.RabbitMq.Port}/",
                    RetryCount = 0,
                    FormatSettings = { ["exchange"] = string.Empty, ["routingKey"] = queue },
                };
            default:
                var subject = "webhooks.safety." + Guid.NewGuid().ToString("N");
                var connection = new NatsConnection(new NatsOpts { Url = TestServers.Nats.ToString() });
                await using (connection)
                {
                    await new NatsJSContext(connection).CreateStreamAsync(new StreamConfig("SAFETY_" + Guid.NewGuid().ToString("N")[..10], [subject]));
                }

                return new WebhookDestinationDefinition
                {
                    Name = "nats",
                    Url = $"nats://{host}:{TestServers.Nats.Port}",
                    RetryCount = 0,
                    FormatSettings = { ["subject"] = subject },
                };
        }
    }

    [Test]
    public async Task CreateAsync_PrivateBrokerWithoutAllowList_IsRefused([Values] Scheme scheme)
    {
        var dns = new ScriptedDnsResolver().Answer("smtp.example.test", "127.0.0.1");
        var definition = await DefinitionAsync(scheme, "smtp.example.test");
        await using var host = await TransportTestHost.StartAsync(allowLoopback: false, dns: dns);

        var act = () => host.Destinations.CreateAsync(definition);

        (await act.Should().ThrowAsync<WebhookValidationException>()).Which.Errors
            .Should().ContainSingle(e => e.Field == "Url" && e.Message.Contains("refused by rule 'dns-private'") && e.Message.Contains("loopback"));
        (await host.Destinations.ListAsync()).Total.Should().Be(0);
    }

    [Test]
    public async Task SendAsync_PrivateBrokerInAllowList_IsReached([Values] Scheme scheme)
    {
        var dns = new ScriptedDnsResolver().Answer("smtp.example.test", "127.0.0.1");
        var definition = await DefinitionAsync(scheme, "smtp.example.test");
        await using var host = await TransportTestHost.StartAsync(allowLoopback: true, dns: dns);
        await host.Destinations.CreateAsync(definition);

        var delivery = await host.PublishAndWaitAsync(WebhookEvent.Create("scan.completed", new { n = 1 }));

        delivery.Status.Should().Be(WebhookDeliveryStatus.Succeeded, delivery.LastError);
    }

    [Test]
    public async Task SendAsync_NameRebindsToPrivateAddressAfterSave_IsRefusedAtConnect([Values] Scheme scheme)
    {
        var dns = new ScriptedDnsResolver().AnswerInTurn("smtp.example.test", [PublicAddress], ["127.0.0.1"]);
        var definition = await DefinitionAsync(scheme, "smtp.example.test");
        await using var host = await TransportTestHost.StartAsync(allowLoopback: false, dns: dns);
        await host.Destinations.CreateAsync(definition);

        var delivery = await host.PublishAndWaitAsync(WebhookEvent.Create("scan.completed", new { n = 1 }));

        delivery.Status.Should().Be(WebhookDeliveryStatus.Failed);
        delivery.LastError.Should().Contain("refused by rule 'dns-private'").And.Contain("loopback");
    }
}
