using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;
using Webhooks.Sdk.Testing;
using Webhooks.Sdk.Tests.Support;

namespace Webhooks.Sdk.Tests.Safety;

/// <summary>The policy for <see cref="IWebhookPublisher.SendAsync"/> and the payload size limit at publish.</summary>
public class WebhookPublisherTests
{
    [Test]
    public async Task SendAsync_DestinationNowResolvingToMetadataService_ThrowsRefusedAndQueuesNothing()
    {
        var resolver = SafetyTestServices.Resolver().Answer("moving.example.test", SafetyTestServices.PublicV4);
        await using var host = await WebhookTestHost.StartAsync(
            o => o.Safety.DangerouslyAllowedNetworks.Clear(),
            (s, _) => s.AddSingleton<IWebhookDnsResolver>(resolver));
        var created = await host.Destinations.CreateAsync(new WebhookDestinationDefinition { Name = "x", Url = "https://moving.example.test/hook" });
        resolver.Answer("moving.example.test", "169.254.169.254");

        var act = () => host.Publisher.EnqueueToAsync(WebhookEvent.Create("scan.completed", new { n = 1 }), [created.Id]);

        var refused = (await act.Should().ThrowAsync<WebhookUrlRefusedException>()).Which;
        refused.Verdict!.Rule.Should().Be(WebhookUrlRules.DnsPrivate);
        refused.Message.Should().Contain("link-local");
        (await host.DeliveryLog.ListAsync(created.Id)).Should().BeEmpty();
    }

    [Test]
    public async Task SendAsync_AllowedLoopbackDestination_IsDelivered()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync();
        var created = await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver));

        var result = await host.Publisher.EnqueueToAsync(WebhookEvent.Create("scan.completed", new { n = 1 }), [created.Id]);

        (await host.WaitForFinalAsync(result.Deliveries[0].DeliveryId)).Status.Should().Be(WebhookDeliveryStatus.Succeeded);
    }

    [Test]
    public async Task PublishAsync_EventAboveDefaultLimit_RefusedWithClearError()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync();
        await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver));

        var act = () => host.Publisher.PublishAsync(WebhookEvent.Create("scan.completed", new { blob = new string('x', 256 * 1024) }));

        var error = (await act.Should().ThrowAsync<WebhookValidationException>()).Which.Errors.Should().ContainSingle().Subject;
        error.Field.Should().Be("Data");
        error.Message.Should().Contain("the limit is 262144 bytes (Safety.MaxPayloadBytes)");
        receiver.ConnectionCount.Should().Be(0);
    }

    [Test]
    public async Task PublishAsync_EventJustUnderDefaultLimit_IsAccepted()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync();
        await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver));

        var result = await host.Publisher.PublishAsync(WebhookEvent.Create("scan.completed", new { blob = new string('x', 250 * 1024) }));

        (await host.WaitForFinalAsync(result.Deliveries[0].DeliveryId)).Status.Should().Be(WebhookDeliveryStatus.Succeeded);
        receiver.Requests.Should().ContainSingle().Which.Body.Length.Should().BeGreaterThan(250 * 1024);
    }

    [Test]
    public async Task PublishAsync_EventAboveConfiguredLimit_Refused()
    {
        await using var host = await WebhookTestHost.StartAsync(o => o.Safety.MaxPayloadBytes = 2048);

        var act = () => host.Publisher.PublishAsync(WebhookEvent.Create("scan.completed", new { blob = new string('x', 3000) }));

        (await act.Should().ThrowAsync<WebhookValidationException>()).Which.Message.Should().Contain("the limit is 2048 bytes");
    }
}
