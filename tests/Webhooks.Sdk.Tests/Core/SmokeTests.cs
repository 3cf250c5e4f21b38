using FluentAssertions;
using NUnit.Framework;
using Webhooks.Sdk.Testing;
using Webhooks.Sdk.Tests.Support;

namespace Webhooks.Sdk.Tests.Core;

public class SmokeTests
{
    [Test]
    public async Task PublishAsync_OneSubscribedDestination_ReceiverGetsEnvelopeWithHeaders()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync();
        var destination = await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver));

        var result = await host.Publisher.PublishAsync(WebhookEvent.Create("scan.completed", new { findings = 3 }));

        result.Deliveries.Should().ContainSingle().Which.DestinationId.Should().Be(destination.Id);
        var delivery = await host.WaitForFinalAsync(result.Deliveries[0].DeliveryId);
        delivery.Status.Should().Be(WebhookDeliveryStatus.Succeeded);
        var request = receiver.Requests.Should().ContainSingle().Subject;
        request.Header("webhook-id").Should().Be(result.EventId);
        request.Header("webhook-event-type").Should().Be("scan.completed");
        request.Header("webhook-attempt").Should().Be("1");
        request.Header("User-Agent").Should().StartWith("Webhooks.Sdk/");
        request.BodyText.Should().Contain("\"type\":\"scan.completed\"").And.Contain("\"findings\":3");
    }
}
