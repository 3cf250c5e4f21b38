using FluentAssertions;
using NUnit.Framework;
using Webhooks.Sdk.Testing;
using Webhooks.Sdk.Tests.Support;

namespace Webhooks.Sdk.Tests.Safety;

/// <summary>Redirects and response size, end to end through a real receiver on loopback.</summary>
public class DeliverySenderTests
{
    [Test]
    public async Task SendAsync_ReceiverAnswers302ToAnotherLoopbackPath_AttemptFailsAndRedirectIsNotFollowed()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        receiver.Enqueue("/hook", new ReceiverResponse
        {
            StatusCode = 302,
            Headers = new Dictionary<string, string> { ["Location"] = receiver.Url("/elsewhere").ToString() },
        });
        await using var host = await WebhookTestHost.StartAsync();
        var definition = WebhookTestHost.Destination(receiver);
        definition.RetryCount = 0;
        await host.Destinations.CreateAsync(definition);

        var result = await host.Publisher.PublishAsync(WebhookEvent.Create("scan.completed", new { n = 1 }));
        var delivery = await host.WaitForFinalAsync(result.Deliveries[0].DeliveryId);

        delivery.Status.Should().Be(WebhookDeliveryStatus.Failed);
        delivery.LastStatusCode.Should().Be(302);
        delivery.LastError.Should().Contain("redirects are not followed");
        receiver.RequestsTo("/hook").Should().ContainSingle();
        receiver.RequestsTo("/elsewhere").Should().BeEmpty();
        receiver.Requests.Should().ContainSingle();
    }

    [Test]
    public async Task TestAsync_ReceiverAnswers307_TestFailsAndRedirectIsNotFollowed()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        receiver.Enqueue("/hook", new ReceiverResponse
        {
            StatusCode = 307,
            Headers = new Dictionary<string, string> { ["Location"] = receiver.Url("/elsewhere").ToString() },
        });
        await using var host = await WebhookTestHost.StartAsync();
        var destination = await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver));

        var test = await host.Destinations.TestAsync(destination.Id);

        test.Success.Should().BeFalse();
        test.StatusCode.Should().Be(307);
        receiver.RequestsTo("/elsewhere").Should().BeEmpty();
    }

    [Test]
    public async Task SendAsync_ReceiverSendsMultiMegabyteBody_OnlyTheExcerptIsKept()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        var huge = new string('a', 4096) + new string('b', 6 * 1024 * 1024);
        receiver.Enqueue("/hook", ReceiverResponse.Status(500, huge));
        await using var host = await WebhookTestHost.StartAsync();
        var definition = WebhookTestHost.Destination(receiver);
        definition.RetryCount = 0;
        await host.Destinations.CreateAsync(definition);

        var result = await host.Publisher.PublishAsync(WebhookEvent.Create("scan.completed", new { n = 1 }));
        await host.WaitForFinalAsync(result.Deliveries[0].DeliveryId);
        var attempt = (await host.DeliveryLog.ListAttemptsAsync(result.Deliveries[0].DeliveryId)).Should().ContainSingle().Subject;

        attempt.StatusCode.Should().Be(500);
        attempt.ResponseExcerpt.Should().HaveLength(4096).And.Be(new string('a', 4096));
    }

    [Test]
    public async Task SendAsync_SmallerExcerptLimit_KeepsThatManyBytesWithoutCuttingACharacter()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        receiver.Enqueue("/hook", ReceiverResponse.Status(400, "abcdefghi\u00e9xyz"));
        await using var host = await WebhookTestHost.StartAsync(o => o.Safety.ResponseExcerptBytes = 10);
        var definition = WebhookTestHost.Destination(receiver);
        definition.RetryCount = 0;
        await host.Destinations.CreateAsync(definition);

        var result = await host.Publisher.PublishAsync(WebhookEvent.Create("scan.completed", new { n = 1 }));
        await host.WaitForFinalAsync(result.Deliveries[0].DeliveryId);
        var attempt = (await host.DeliveryLog.ListAttemptsAsync(result.Deliveries[0].DeliveryId)).Should().ContainSingle().Subject;

        // "é" is two bytes at offsets 9-10: the 10-byte limit falls inside it, so it is left out whole.
        attempt.ResponseExcerpt.Should().Be("abcdefghi");
    }
}
