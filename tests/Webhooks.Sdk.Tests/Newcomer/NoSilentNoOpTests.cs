using System.Reflection;
using FluentAssertions;
using NUnit.Framework;
using Webhooks.Sdk.Tests.Support;

namespace Webhooks.Sdk.Tests.Newcomer;

/// <summary>A publish that nothing will send, or that matches nothing, says so; the queueing method's name says it queues.</summary>
public class NoSilentNoOpTests
{
    private const string NothingWillSend = "nothing will send these deliveries";

    [Test]
    public async Task PublishAsync_HostNeverStarted_WarnsOnceThatNothingWillSend()
    {
        await using var host = await WebhookTestHost.StartAsync(start: false);
        await host.Destinations.CreateAsync(new WebhookDestinationDefinition { Name = "n", Url = "https://93.184.216.34/hook" });

        await host.Publisher.PublishAsync(WebhookEvent.Create("scan.completed", new { n = 1 }));
        await host.Publisher.ForTenant(WebhookTenant.Default).PublishAsync(WebhookEvent.Create("scan.completed", new { n = 2 }));

        host.Logs.Lines.Where(l => l.Contains(NothingWillSend, StringComparison.Ordinal)).Should().ContainSingle()
            .Which.Should().StartWith("Warning").And.Contain("the host was not started");
    }

    [Test]
    public async Task PublishAsync_HostRunning_DoesNotWarn()
    {
        await using var host = await WebhookTestHost.StartAsync();
        await host.Destinations.CreateAsync(new WebhookDestinationDefinition { Name = "n", Url = "https://93.184.216.34/hook" });

        await host.Publisher.PublishAsync(WebhookEvent.Create("scan.completed", new { n = 1 }));

        host.Logs.AllText.Should().NotContain(NothingWillSend);
    }

    [Test]
    public async Task PublishAsync_DispatcherOffWithInMemoryStore_Warns()
    {
        await using var host = await WebhookTestHost.StartAsync(o => o.Dispatcher.Enabled = false);
        await host.Destinations.CreateAsync(new WebhookDestinationDefinition { Name = "n", Url = "https://93.184.216.34/hook" });

        await host.Publisher.PublishAsync(WebhookEvent.Create("scan.completed", new { n = 1 }));

        host.Logs.Lines.Where(l => l.Contains(NothingWillSend, StringComparison.Ordinal)).Should().ContainSingle(host.Logs.AllText)
            .Which.Should().Contain("Dispatcher.Enabled is false");
    }

    [Test]
    public async Task PublishAsync_NoDestinationMatches_LogsAtDebugWithTheEventType()
    {
        await using var host = await WebhookTestHost.StartAsync();
        await host.Destinations.CreateAsync(new WebhookDestinationDefinition { Name = "n", Url = "https://93.184.216.34/hook", Subscriptions = ["order.*"] });

        var result = await host.Publisher.PublishAsync(WebhookEvent.Create("scan.completed", new { n = 1 }));

        result.Deliveries.Should().BeEmpty();
        host.Logs.Lines.Should().Contain(l => l.StartsWith("Debug", StringComparison.Ordinal) && l.Contains("[1601]", StringComparison.Ordinal) && l.Contains("scan.completed", StringComparison.Ordinal) && l.Contains("matched no enabled destination", StringComparison.Ordinal));
    }

    [Test]
    public void SendAsync_OldName_IsObsoleteAndPointsToEnqueueToAsync()
    {
        var obsolete = typeof(IWebhookPublisher).GetMethod(nameof(IWebhookPublisher.EnqueueToAsync)).Should().NotBeNull().And.Subject;
#pragma warning disable CS0618 // The old name is under test.
        var old = typeof(IWebhookPublisher).GetMethod(nameof(IWebhookPublisher.SendAsync))!;
#pragma warning restore CS0618

        old.GetCustomAttribute<ObsoleteAttribute>().Should().NotBeNull().And.Subject.As<ObsoleteAttribute>().Message.Should().Contain("EnqueueToAsync");
        obsolete.Should().NotBeSameAs(old);
    }

    [Test]
    public async Task SendAsync_OldName_StillQueuesThroughEnqueueToAsync()
    {
        await using var host = await WebhookTestHost.StartAsync(o => o.Dispatcher.Enabled = false);
        var id = (await host.Destinations.CreateAsync(new WebhookDestinationDefinition { Name = "n", Url = "https://93.184.216.34/hook", Subscriptions = ["order.*"] })).Id;

#pragma warning disable CS0618 // The forwarder is under test.
        var result = await host.Publisher.SendAsync(WebhookEvent.Create("scan.completed", new { n = 1 }), [id]);
#pragma warning restore CS0618

        result.Deliveries.Should().ContainSingle().Which.DestinationId.Should().Be(id);
    }
}
