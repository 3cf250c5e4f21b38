using System.Text;
using System.Text.Json;
using FluentAssertions;
using NUnit.Framework;
using RabbitMQ.Client;
using Webhooks.Sdk.Transports.Tests.Support;

namespace Webhooks.Sdk.Transports.Tests.RabbitMQ;

[NonParallelizable]
public class RabbitMqTransportTests
{
    private static async Task<(IConnection Connection, IChannel Channel, string Exchange, string Queue)> TopologyAsync(string binding = "scan.#")
    {
        var url = TestServers.RabbitMq;
        var factory = new ConnectionFactory { HostName = url.Host, Port = url.Port };
        var connection = await factory.CreateConnectionAsync();
        var channel = await connection.CreateChannelAsync();
        var suffix = Guid.NewGuid().ToString("N")[..10];
        var exchange = "webhooks.test." + suffix;
        var queue = "webhooks.q." + suffix;
        await channel.ExchangeDeclareAsync(exchange, ExchangeType.Topic, durable: true, autoDelete: false);
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
        await channel.QueueBindAsync(queue, exchange, binding);
        return (connection, channel, exchange, queue);
    }

    private static async Task<List<BasicGetResult>> DrainAsync(IChannel channel, string queue)
    {
        var messages = new List<BasicGetResult>();
        while (await channel.BasicGetAsync(queue, autoAck: true) is { } message)
        {
            messages.Add(message);
        }

        return messages;
    }

    [Test]
    public async Task SendAsync_Confirmed_MessageIsConsumedWithPropertiesAndHeaders()
    {
        var (connection, channel, exchange, queue) = await TopologyAsync();
        await using var _ = connection;
        await using var __ = channel;
        await using var host = await TransportTestHost.StartAsync();
        await host.Destinations.CreateAsync(new WebhookDestinationDefinition
        {
            Name = "rabbit",
            Url = TestServers.RabbitMq + "%2F",
            FormatSettings = { ["exchange"] = exchange, ["routingKey"] = "${type}.${data.repo}" },
            Headers = { ["X-Team"] = "payments" },
            Auth = new BasicWebhookAuth { Username = "guest", Password = "guest" },
        });

        var delivery = await host.PublishAndWaitAsync(WebhookEvent.Create("scan.completed", new { repo = "api", findings = 3 }) with { Id = "evt_amqp_1" });

        delivery.Status.Should().Be(WebhookDeliveryStatus.Succeeded);
        var messages = await DrainAsync(channel, queue);
        var message = messages.Should().ContainSingle().Subject;
        message.RoutingKey.Should().Be("scan.completed.api");
        message.BasicProperties.MessageId.Should().Be("evt_amqp_1");
        message.BasicProperties.Type.Should().Be("scan.completed");
        message.BasicProperties.ContentType.Should().StartWith("application/json");
        message.BasicProperties.DeliveryMode.Should().Be(DeliveryModes.Persistent);
        var headers = message.BasicProperties.Headers!;
        Encoding.UTF8.GetString((byte[])headers["webhook-id"]!).Should().Be("evt_amqp_1");
        Encoding.UTF8.GetString((byte[])headers["X-Team"]!).Should().Be("payments");
        headers.Should().NotContainKey("Authorization");
        using var body = JsonDocument.Parse(message.Body);
        body.RootElement.GetProperty("data").GetProperty("findings").GetInt32().Should().Be(3);
    }

    [Test]
    public async Task SendAsync_Unroutable_IsRecordedAsFailedWithTheBrokersReason()
    {
        var (connection, channel, exchange, _) = await TopologyAsync(binding: "scan.#");
        await using var __ = connection;
        await using var ___ = channel;
        await using var host = await TransportTestHost.StartAsync();
        await host.Destinations.CreateAsync(new WebhookDestinationDefinition
        {
            Name = "rabbit",
            Url = TestServers.RabbitMq.ToString(),
            RetryCount = 0,
            FormatSettings = { ["exchange"] = exchange, ["routingKey"] = "nothing.bound.here" },
        });

        var delivery = await host.PublishAndWaitAsync(WebhookEvent.Create("scan.completed", new { }));

        delivery.Status.Should().Be(WebhookDeliveryStatus.Failed);
        delivery.LastError.Should().Contain("312").And.Contain("NO_ROUTE").And.Contain("nothing.bound.here");
    }

    [Test]
    public async Task SendAsync_BrokerRestartedMidRun_NothingIsLost()
    {
        var (connection, channel, exchange, queue) = await TopologyAsync();
        await channel.DisposeAsync();
        await connection.DisposeAsync();
        await using var host = await TransportTestHost.StartAsync(configure: o =>
        {
            o.Retry.BaseDelay = TimeSpan.FromMilliseconds(500);
            o.Retry.Multiplier = 2;
            o.Retry.MaxDelay = TimeSpan.FromSeconds(4);
        });
        await host.Destinations.CreateAsync(new WebhookDestinationDefinition
        {
            Name = "rabbit",
            Url = TestServers.RabbitMq.ToString(),
            RetryCount = 10,
            FormatSettings = { ["exchange"] = exchange },
        });

        var ids = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            ids.AddRange((await host.Publisher.PublishAsync(WebhookEvent.Create("scan.completed", new { i }))).DeliveryIds);
        }

        await TestServers.RunAsync(TestServers.RabbitMqStopApp);
        try
        {
            for (var i = 10; i < 20; i++)
            {
                ids.AddRange((await host.Publisher.PublishAsync(WebhookEvent.Create("scan.completed", new { i }))).DeliveryIds);
            }
        }
        finally
        {
            await TestServers.RunAsync(TestServers.RabbitMqStartApp);
        }

        foreach (var id in ids)
        {
            (await host.WaitForFinalAsync(id, TimeSpan.FromSeconds(60))).Status.Should().Be(WebhookDeliveryStatus.Succeeded);
        }

        var (connection2, channel2, _, _) = await TopologyAsync();
        await using var _c = connection2;
        await using var _ch = channel2;
        var messages = await DrainAsync(channel2, queue);
        var numbers = messages.Select(m => JsonDocument.Parse(m.Body).RootElement.GetProperty("data").GetProperty("i").GetInt32()).ToHashSet();
        numbers.Should().BeEquivalentTo(Enumerable.Range(0, 20));
    }

    [Test]
    public async Task CreateAsync_BadSettings_AreRefusedNamingTheField()
    {
        await using var host = await TransportTestHost.StartAsync();
        var act = () => host.Destinations.CreateAsync(new WebhookDestinationDefinition
        {
            Name = "rabbit",
            Url = "amqp://127.0.0.1:5672/",
            FormatSettings = { ["exchange"] = new string('x', 256), ["routingKey"] = "${data.nokey:}" },
        });

        var errors = (await act.Should().ThrowAsync<WebhookValidationException>()).Which.Errors;
        errors.Should().Contain(e => e.Field == "FormatSettings[exchange]" && e.Message.Contains("at most 255 bytes"));
        errors.Should().Contain(e => e.Field == "FormatSettings[routingKey]" && e.Message.Contains("renders empty"));
    }

    [Test]
    public async Task SendAsync_RoutingKeyRendersEmpty_FailsNamingTheField()
    {
        var (connection, channel, exchange, _) = await TopologyAsync();
        await using var __ = connection;
        await using var ___ = channel;
        await using var host = await TransportTestHost.StartAsync();
        await host.Destinations.CreateAsync(new WebhookDestinationDefinition
        {
            Name = "rabbit",
            Url = TestServers.RabbitMq.ToString(),
            RetryCount = 3,
            FormatSettings = { ["exchange"] = exchange, ["routingKey"] = "${subject:}" },
        });

        var delivery = await host.PublishAndWaitAsync(WebhookEvent.Create("scan.completed", new { other = 1 }));

        delivery.Status.Should().Be(WebhookDeliveryStatus.Failed);
        delivery.AttemptCount.Should().Be(1, "a routing key that renders empty is permanent for this event");
        delivery.LastError.Should().Contain("FormatSettings[routingKey]");
    }
}
