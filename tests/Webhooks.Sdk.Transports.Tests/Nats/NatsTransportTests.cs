using System.Text;
using System.Text.Json;
using FluentAssertions;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using NUnit.Framework;
using Webhooks.Sdk.Testing;
using Webhooks.Sdk.Transports.Tests.Support;

namespace Webhooks.Sdk.Transports.Tests.Nats;

public class NatsTransportTests
{
    private static async Task<(NatsConnection Connection, NatsJSContext Js, string Subject, string Stream)> StreamAsync()
    {
        var connection = new NatsConnection(new NatsOpts { Url = TestServers.Nats.ToString() });
        await connection.ConnectAsync();
        var js = new NatsJSContext(connection);
        var suffix = Guid.NewGuid().ToString("N")[..10];
        var stream = "WEBHOOKS_" + suffix;
        var subject = "webhooks.test." + suffix;
        await js.CreateStreamAsync(new StreamConfig(stream, [subject]));
        return (connection, js, subject, stream);
    }

    private static async Task<INatsJSMsg<byte[]>> ReadOneAsync(NatsJSContext js, string stream)
    {
        var consumer = await js.CreateOrderedConsumerAsync(stream);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var msg = await consumer.NextAsync<byte[]>(cancellationToken: timeout.Token);
        return msg ?? throw new TimeoutException("No message in the stream.");
    }

    [Test]
    public async Task SendAsync_JetStream_MessageIsStoredWithHeaders()
    {
        var (connection, js, subject, stream) = await StreamAsync();
        await using var _ = connection;
        await using var host = await TransportTestHost.StartAsync();
        var destination = await host.Destinations.CreateAsync(new WebhookDestinationDefinition
        {
            Name = "nats",
            Url = TestServers.Nats.ToString(),
            FormatSettings = { ["subject"] = subject },
            Headers = { ["X-Team"] = "payments" },
            Auth = HmacSignatureWebhookAuth.StandardWebhooks("whsec_" + Convert.ToBase64String(new byte[32])),
        });

        var delivery = await host.PublishAndWaitAsync(WebhookEvent.Create("scan.completed", new { scanId = 42 }) with { Id = "evt_nats_1" });

        delivery.Status.Should().Be(WebhookDeliveryStatus.Succeeded);
        var attempts = await host.DeliveryLog.ListAttemptsAsync(delivery.Id);
        attempts.Should().ContainSingle().Which.ResponseExcerpt.Should().StartWith("stream " + stream + " seq 1");
        var msg = await ReadOneAsync(js, stream);
        msg.Subject.Should().Be(subject);
        using var body = JsonDocument.Parse(msg.Data!);
        body.RootElement.GetProperty("id").GetString().Should().Be("evt_nats_1");
        body.RootElement.GetProperty("data").GetProperty("scanId").GetInt32().Should().Be(42);
        var headers = msg.Headers!;
        headers["webhook-id"].ToString().Should().Be("evt_nats_1");
        headers["webhook-signature"].ToString().Should().StartWith("v1,");
        headers["X-Team"].ToString().Should().Be("payments");
        headers["Content-Type"].ToString().Should().StartWith("application/json");
        headers["Nats-Msg-Id"].ToString().Should().Be(delivery.Id);
        destination.Url.Should().Be(TestServers.Nats.ToString());
    }

    [Test]
    public async Task SendAsync_NoStreamForSubject_FailsWithReason()
    {
        await using var host = await TransportTestHost.StartAsync();
        await host.Destinations.CreateAsync(new WebhookDestinationDefinition
        {
            Name = "nats",
            Url = TestServers.Nats.ToString(),
            RetryCount = 0,
            FormatSettings = { ["subject"] = "webhooks.nostream." + Guid.NewGuid().ToString("N") },
        });

        var delivery = await host.PublishAndWaitAsync(WebhookEvent.Create("scan.completed", new { }));

        delivery.Status.Should().Be(WebhookDeliveryStatus.Failed);
        delivery.LastError.Should().Contain("JetStream did not acknowledge the message on subject 'webhooks.nostream.");
    }

    [Test]
    public async Task SendAsync_CoreNats_IsPublishedFireAndForget()
    {
        var connection = new NatsConnection(new NatsOpts { Url = TestServers.Nats.ToString() });
        await using var _ = connection;
        var subject = "webhooks.core." + Guid.NewGuid().ToString("N");
        await using var subscription = await connection.SubscribeCoreAsync<byte[]>(subject);
        await connection.PingAsync();
        await using var host = await TransportTestHost.StartAsync();
        await host.Destinations.CreateAsync(new WebhookDestinationDefinition
        {
            Name = "nats",
            Url = TestServers.Nats.ToString(),
            FormatSettings = { ["subject"] = subject, ["jetstream"] = "false" },
        });

        var delivery = await host.PublishAndWaitAsync(WebhookEvent.Create("scan.completed", new { n = 1 }) with { Id = "evt_core" });

        delivery.Status.Should().Be(WebhookDeliveryStatus.Succeeded);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var msg = await subscription.Msgs.ReadAsync(timeout.Token);
        msg.Headers!["webhook-id"].ToString().Should().Be("evt_core");
        Encoding.UTF8.GetString(msg.Data!).Should().Contain("\"n\":1");
    }

    [TestCase("webhooks.*", "wildcard")]
    [TestCase("webhooks.>", "wildcard")]
    [TestCase("web hooks", "whitespace")]
    [TestCase("webhooks..x", "empty token")]
    [TestCase("", "is required")]
    public async Task CreateAsync_BadSubject_IsRefusedNamingTheSetting(string subject, string reason)
    {
        await using var host = await TransportTestHost.StartAsync();
        var act = () => host.Destinations.CreateAsync(new WebhookDestinationDefinition { Name = "n", Url = "nats://127.0.0.1:4222", FormatSettings = { ["subject"] = subject } });
        (await act.Should().ThrowAsync<WebhookValidationException>()).Which.Errors.Should().ContainSingle(e => e.Field == "FormatSettings[subject]" && e.Message.Contains(reason));
    }
}
