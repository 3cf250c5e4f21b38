using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NUnit.Framework;
using Webhooks.Sdk.Tests.Support;

namespace Webhooks.Sdk.Tests.Newcomer;

/// <summary>The event-type catalogue: Strict refuses unregistered types and subscriptions; case slips are refused in every mode.</summary>
public class CatalogTests
{
    private static Task<WebhookTestHost> StartAsync(WebhookCatalogMode mode)
        => WebhookTestHost.StartAsync(
            o =>
            {
                o.Catalog.Mode = mode;
                o.Dispatcher.Enabled = false;
            },
            (_, webhooks) => webhooks.AddEventTypes(new EventTypeDefinition("scan.completed"), new EventTypeDefinition("scan.started"), new EventTypeDefinition("order.created")));

    private static WebhookDestinationDefinition Subscribed(params string[] subscriptions)
        => new() { Name = "n", Url = "https://93.184.216.34/hook", Subscriptions = subscriptions };

    [Test]
    public async Task PublishAsync_StrictUnregisteredType_IsRefusedWithTheNearestName()
    {
        await using var host = await StartAsync(WebhookCatalogMode.Strict);
        await host.Destinations.CreateAsync(Subscribed("*"));

        var act = () => host.Publisher.PublishAsync(WebhookEvent.Create("scan.complete", new { n = 1 }));

        (await act.Should().ThrowAsync<WebhookValidationException>()).Which.Message
            .Should().Contain("'scan.complete' is not registered").And.Contain("did you mean 'scan.completed'?");
    }

    [Test]
    public async Task PublishAsync_OpenUnregisteredType_IsQueued()
    {
        await using var host = await StartAsync(WebhookCatalogMode.Open);
        await host.Destinations.CreateAsync(Subscribed("*"));

        (await host.Publisher.PublishAsync(WebhookEvent.Create("anything.else", new { n = 1 }))).Deliveries.Should().ContainSingle();
    }

    [TestCase(WebhookCatalogMode.Open)]
    [TestCase(WebhookCatalogMode.Strict)]
    public async Task PublishAsync_TypeDifferingOnlyInCase_IsRefusedInEveryMode(WebhookCatalogMode mode)
    {
        await using var host = await StartAsync(mode);
        await host.Destinations.CreateAsync(Subscribed("*"));

        var act = () => host.Publisher.PublishAsync(WebhookEvent.Create("Scan.Completed", new { n = 1 }));

        (await act.Should().ThrowAsync<WebhookValidationException>()).Which.Message.Should().Contain("differs only in case from the registered event type 'scan.completed'");
    }

    [TestCase("scan.complete", "did you mean 'scan.completed'?")]
    [TestCase("sacn.*", "did you mean 'scan.*'?")]
    public async Task CreateAsync_StrictSubscriptionMatchingNoRegisteredType_IsRefusedWithASuggestion(string subscription, string suggestion)
    {
        await using var host = await StartAsync(WebhookCatalogMode.Strict);

        var act = () => host.Destinations.CreateAsync(Subscribed(subscription));

        (await act.Should().ThrowAsync<WebhookValidationException>()).Which.Message.Should().Contain("Subscriptions").And.Contain(suggestion);
    }

    [TestCase("Scan.*")]
    [TestCase("ORDER.created")]
    public async Task CreateAsync_OpenSubscriptionDifferingOnlyInCase_IsRefused(string subscription)
    {
        await using var host = await StartAsync(WebhookCatalogMode.Open);

        var act = () => host.Destinations.CreateAsync(Subscribed(subscription));

        (await act.Should().ThrowAsync<WebhookValidationException>()).Which.Message.Should().Contain("differs only in case");
    }

    [Test]
    public async Task CreateAsync_StrictSubscriptionsThatMatch_AreAccepted()
    {
        await using var host = await StartAsync(WebhookCatalogMode.Strict);

        var created = await host.Destinations.CreateAsync(Subscribed("scan.*", "order.created", "*"));

        created.Subscriptions.Should().Equal("scan.*", "order.created", "*");
    }

    [Test]
    public async Task StartAsync_TwoTypesDifferingOnlyInCase_FailsNamingBoth()
    {
        var act = () => WebhookTestHost.StartAsync(services: (_, webhooks) => webhooks.AddEventTypes(new EventTypeDefinition("scan.completed"), new EventTypeDefinition("Scan.Completed")));

        (await act.Should().ThrowAsync<OptionsValidationException>()).Which.Message.Should().Contain("'Scan.Completed' differs only in case from 'scan.completed'");
    }

    [Test]
    public async Task StartAsync_StrictFromConfiguration_IsBound()
    {
        var (host, _) = ConfiguredHost.Build(
            new Dictionary<string, string?> { ["Webhooks:Catalog:Mode"] = "Strict" },
            webhooks => webhooks.AddEventTypes(new EventTypeDefinition("scan.completed")));
        using (host)
        {
            await host.StartAsync();
            var act = () => host.Services.GetRequiredService<IWebhookPublisher>().PublishAsync(WebhookEvent.Create("scan.complete", new { n = 1 }));

            await act.Should().ThrowAsync<WebhookValidationException>();
            await host.StopAsync();
        }
    }
}
