using FluentAssertions;
using NUnit.Framework;
using Webhooks.Sdk.Testing;
using Webhooks.Sdk.Tests.Support;
using static Webhooks.Sdk.Tests.Core.CoreTestKit;

namespace Webhooks.Sdk.Tests.Core;

public class WebhookPublisherTests
{
    [Test]
    public async Task PublishAsync_Subscriptions_RoutesToExactPrefixWildcardAndDefaultButNotDisabledOrOthers()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync();
        var exact = await host.Destinations.CreateAsync(new() { Name = "exact", Url = receiver.Url("/exact").ToString(), Subscriptions = ["scan.completed"] });
        var prefix = await host.Destinations.CreateAsync(new() { Name = "prefix", Url = receiver.Url("/prefix").ToString(), Subscriptions = ["scan.*"] });
        var all = await host.Destinations.CreateAsync(new() { Name = "all", Url = receiver.Url("/all").ToString(), Subscriptions = ["*"] });
        var none = await host.Destinations.CreateAsync(new() { Name = "none", Url = receiver.Url("/none").ToString() });
        await host.Destinations.CreateAsync(new() { Name = "other", Url = receiver.Url("/other").ToString(), Subscriptions = ["user.created", "user.*"] });
        await host.Destinations.CreateAsync(new() { Name = "off", Url = receiver.Url("/off").ToString(), Subscriptions = ["*"], Enabled = false });

        var result = await host.Publisher.PublishAsync(Event("scan.completed"));

        result.Deliveries.Select(d => d.DestinationId).Should().BeEquivalentTo([exact.Id, prefix.Id, all.Id, none.Id]);
        foreach (var id in result.DeliveryIds)
        {
            (await host.WaitForFinalAsync(id)).Status.Should().Be(WebhookDeliveryStatus.Succeeded);
        }

        receiver.Requests.Select(r => r.Path).Should().BeEquivalentTo(["/exact", "/prefix", "/all", "/none"]);
    }

    [Test]
    public async Task PublishAsync_PrefixSubscription_DoesNotMatchLongerWordOrBarePrefix()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync();
        await host.Destinations.CreateAsync(new() { Name = "prefix", Url = receiver.Url().ToString(), Subscriptions = ["scan.*"] });

        (await host.Publisher.PublishAsync(Event("scanner.completed"))).Deliveries.Should().BeEmpty();
        (await host.Publisher.PublishAsync(Event("scan"))).Deliveries.Should().BeEmpty();
        (await host.Publisher.PublishAsync(Event("scan.finding.created"))).Deliveries.Should().ContainSingle();
    }

    [Test]
    public async Task PublishAsync_DestinationWithoutSubscriptions_UsesConfiguredDefaultSubscriptions()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync(o => o.DefaultSubscriptions = ["audit.*"]);
        var destination = await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver));

        (await host.Publisher.PublishAsync(Event("scan.completed"))).Deliveries.Should().BeEmpty();
        (await host.Publisher.PublishAsync(Event("audit.login"))).Deliveries.Should().ContainSingle().Which.DestinationId.Should().Be(destination.Id);
    }

    [Test]
    public async Task PublishAsync_OtherTenant_DoesNotSeeDestinationsOrHistory()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync();
        var acme = host.Destinations.ForTenant("acme");
        var globex = host.Destinations.ForTenant("globex");
        var acmeDestination = await acme.CreateAsync(WebhookTestHost.Destination(receiver, "/acme"));
        await globex.CreateAsync(WebhookTestHost.Destination(receiver, "/globex"));

        var published = await host.Publisher.ForTenant("acme").PublishAsync(Event());
        var defaultTenant = await host.Publisher.PublishAsync(Event());

        defaultTenant.Deliveries.Should().BeEmpty();
        published.Deliveries.Should().ContainSingle().Which.DestinationId.Should().Be(acmeDestination.Id);
        var acmeLog = host.DeliveryLog.ForTenant("acme");
        (await acmeLog.ListAsync(null)).Should().ContainSingle();
        (await host.DeliveryLog.ForTenant("globex").ListAsync(null)).Should().BeEmpty();
        await FluentActions.Awaiting(() => host.DeliveryLog.ForTenant("globex").GetAsync(published.Deliveries[0].DeliveryId)).Should().ThrowAsync<WebhookNotFoundException>();
        await FluentActions.Awaiting(() => globex.GetAsync(acmeDestination.Id)).Should().ThrowAsync<WebhookNotFoundException>();
        (await globex.ListAsync()).Items.Should().ContainSingle().Which.Url.Should().EndWith("/globex");
        await FluentActions.Awaiting(() => host.Publisher.ForTenant("globex").EnqueueToAsync(Event(), [acmeDestination.Id])).Should().ThrowAsync<WebhookNotFoundException>();

        await WebhookTestHost.WaitUntilAsync(
            async () => (await acmeLog.GetAsync(published.Deliveries[0].DeliveryId)).Status == WebhookDeliveryStatus.Succeeded,
            because: "the acme delivery is sent");
        receiver.Requests.Should().ContainSingle().Which.Path.Should().Be("/acme");
    }

    [Test]
    public async Task SendAsync_DestinationNotSubscribed_IsStillQueuedAndDelivered()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync();
        var destination = await host.Destinations.CreateAsync(new() { Name = "users", Url = receiver.Url().ToString(), Subscriptions = ["user.*"] });

        var result = await host.Publisher.EnqueueToAsync(Event("scan.completed"), [destination.Id]);

        result.Deliveries.Should().ContainSingle().Which.DestinationId.Should().Be(destination.Id);
        (await host.WaitForFinalAsync(result.Deliveries[0].DeliveryId)).Status.Should().Be(WebhookDeliveryStatus.Succeeded);
        receiver.Requests.Should().ContainSingle().Which.Header("webhook-event-type").Should().Be("scan.completed");
    }

    [Test]
    public async Task SendAsync_UnknownDestination_ThrowsNotFoundNamingTheId()
    {
        await using var host = await WebhookTestHost.StartAsync();

        var act = () => host.Publisher.EnqueueToAsync(Event(), ["nope-123"]);

        (await act.Should().ThrowAsync<WebhookNotFoundException>()).Which.Message.Should().Contain("nope-123");
    }

    [Test]
    public async Task SendAsync_DisabledDestination_ThrowsClearErrorAndQueuesNothing()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync();
        var destination = await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver));
        await host.Destinations.DisableAsync(destination.Id, "maintenance");

        var act = () => host.Publisher.EnqueueToAsync(Event(), [destination.Id]);

        (await act.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain(destination.Id).And.Contain("disabled").And.Contain("maintenance");
        (await host.DeliveryLog.ListAsync(destination.Id)).Should().BeEmpty();
    }

    [Test]
    public async Task PublishAsync_EventWithoutType_IsRefusedWithTheField()
    {
        await using var host = await WebhookTestHost.StartAsync();

        var act = () => host.Publisher.PublishAsync(new WebhookEvent { Type = " " });

        (await act.Should().ThrowAsync<WebhookValidationException>()).Which.Errors.Should().ContainSingle().Which.Field.Should().Be("Type");
    }

    [Test]
    public async Task PublishAsync_EventIdWithDot_IsRefusedBecauseItIsSigned()
    {
        await using var host = await WebhookTestHost.StartAsync();

        var act = () => host.Publisher.PublishAsync(Event() with { Id = "evt.1" });

        (await act.Should().ThrowAsync<WebhookValidationException>()).Which.Errors.Should().ContainSingle().Which.Field.Should().Be("Id");
    }

    [Test]
    public async Task PublishAsync_BodyOverMaxPayloadBytes_IsRefusedAndNothingStored()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync(o => o.Safety.MaxPayloadBytes = 2048);
        await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver));

        var act = () => host.Publisher.PublishAsync(Event(data: new { blob = new string('x', 4096) }));

        var error = (await act.Should().ThrowAsync<WebhookValidationException>()).Which;
        error.Errors.Should().ContainSingle().Which.Message.Should().Contain("2048").And.Contain("Safety.MaxPayloadBytes");
        (await host.DeliveryLog.ListAsync(null)).Should().BeEmpty();
        (await host.Publisher.PublishAsync(Event(data: new { blob = new string('x', 100) }))).Deliveries.Should().ContainSingle();
    }
}
