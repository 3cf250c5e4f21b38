using FluentAssertions;
using NUnit.Framework;
using Webhooks.Sdk.Testing;
using Webhooks.Sdk.Tests.Support;

namespace Webhooks.Sdk.Tests.Signing;

/// <summary>The per-delivery id header: per destination, stable across retries, new for a redelivery.</summary>
public class DeliveryRunIdTests
{
    private static Task<WebhookTestHost> StartHostAsync()
        => WebhookTestHost.StartAsync(o =>
        {
            o.Retry.BaseDelay = TimeSpan.FromMilliseconds(50);
            o.Retry.MaxDelay = TimeSpan.FromMilliseconds(100);
        });

    [Test]
    public async Task Publish_TwoDestinationsRetryThenRedeliver_IdPerDeliveryStableAcrossRetriesNewOnRedelivery()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        var calls = 0;
        receiver.Responder = r => r.Path == "/a" && Interlocked.Increment(ref calls) == 1 ? ReceiverResponse.Status(500) : ReceiverResponse.Ok();
        await using var host = await StartHostAsync();
        await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver, "/a", "a"));
        await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver, "/b", "b"));

        var published = await host.Publisher.PublishAsync(WebhookEvent.Create("order.created", new { n = 1 }));
        foreach (var d in published.Deliveries)
        {
            (await host.WaitForFinalAsync(d.DeliveryId)).Status.Should().Be(WebhookDeliveryStatus.Succeeded);
        }

        var toA = published.Deliveries.Single(d => receiver.Requests.Any(r => r.Path == "/a" && r.Headers["webhook-delivery-id"] == d.DeliveryId)).DeliveryId;
        await host.DeliveryLog.RedeliverAsync(toA);
        await host.WaitForFinalAsync(toA);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (receiver.Requests.Count(r => r.Path == "/a") < 3 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        var a = receiver.Requests.Where(r => r.Path == "/a").Select(r => r.Headers["webhook-delivery-id"]).ToArray();
        var b = receiver.Requests.Where(r => r.Path == "/b").Select(r => r.Headers["webhook-delivery-id"]).ToArray();
        a.Should().HaveCount(3);
        a[0].Should().Be(toA).And.Be(a[1], "a retry is the same delivery");
        a[2].Should().NotBe(a[0], "a redelivery is a new delivery").And.StartWith(toA);
        b.Should().ContainSingle().Which.Should().NotBe(a[0]);
        receiver.Requests.Select(r => r.Headers["webhook-id"]).Distinct().Should().ContainSingle("the event id stays the receiver's idempotency key");
    }

    [Test]
    public async Task Publish_GitHubPreset_DeliveryIdAlsoInXGitHubDelivery()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await StartHostAsync();
        var definition = WebhookTestHost.Destination(receiver);
        definition.Auth = HmacSignatureWebhookAuth.GitHub("It's a Secret to Everybody");
        await host.Destinations.CreateAsync(definition);

        var published = await host.Publisher.PublishAsync(WebhookEvent.Create("push", new { n = 1 }));
        await host.WaitForFinalAsync(published.Deliveries[0].DeliveryId);

        var request = receiver.Requests.Should().ContainSingle().Subject;
        request.Headers["X-GitHub-Delivery"].Should().Be(published.Deliveries[0].DeliveryId);
    }
}
