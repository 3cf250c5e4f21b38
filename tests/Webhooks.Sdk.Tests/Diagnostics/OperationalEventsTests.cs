using System.Collections.Concurrent;
using System.Text.Json;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using Webhooks.Sdk.Testing;
using Webhooks.Sdk.Tests.Support;
using static Webhooks.Sdk.Tests.Core.CoreTestKit;

namespace Webhooks.Sdk.Tests.Diagnostics;

public class OperationalEventsTests
{
    [Test]
    public async Task OperationalEvents_EachMoment_GoesToTheSubscribedDestinationAndNeverToTheOneItIsAbout()
    {
        var time = new FakeTimeProvider(Start);
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        var observer = new RecordingObserver();
        await using var host = await WebhookTestHost.StartAsync(
            o => o.OperationalEvents.FailingAfterAttempts = 2,
            (_, b) => b.AddObserver(observer),
            time);

        // The on-call destination takes every operational event; "everything" takes "*", which does not include them;
        // "subject" is the destination the events are about, and it subscribes to them too.
        var oncall = await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver, "/oncall", "oncall").With(d => d.Subscriptions = ["webhooks.*"]));
        await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver, "/everything", "everything"));
        var subject = await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver, "/subject", "subject").With(d =>
        {
            d.Subscriptions = ["order.*", "webhooks.*"];
            d.RetryCount = 2;
        }));
        await host.Destinations.UpdateAsync(subject.Id, new WebhookDestinationUpdate { Name = "subject-renamed" });

        // order 1: fails twice (failing), then succeeds (recovered). order 2: fails three times (exhausted).
        receiver.Enqueue("/subject", ReceiverResponse.Status(503), ReceiverResponse.Status(503));
        var first = (await host.Publisher.PublishAsync(Event("order.created"))).Deliveries.Single(d => d.DestinationId == subject.Id).DeliveryId;
        await host.WaitForAttemptsAsync(first, 1);
        time.Advance(TimeSpan.FromSeconds(10));
        await host.WaitForAttemptsAsync(first, 2);
        time.Advance(TimeSpan.FromSeconds(20));
        await host.WaitForFinalAsync(first);

        receiver.Enqueue("/subject", ReceiverResponse.Status(500), ReceiverResponse.Status(500), ReceiverResponse.Status(500));
        var second = (await host.Publisher.PublishAsync(Event("order.updated"))).Deliveries.Single(d => d.DestinationId == subject.Id).DeliveryId;
        await host.WaitForAttemptsAsync(second, 1);
        time.Advance(TimeSpan.FromSeconds(10));
        await host.WaitForAttemptsAsync(second, 2);
        time.Advance(TimeSpan.FromSeconds(20));
        await host.WaitForFinalAsync(second);

        await host.Destinations.DisableAsync(subject.Id, "maintenance window");
        await host.Destinations.EnableAsync(subject.Id);
        await host.Destinations.DeleteAsync(subject.Id);

        var expected = new[]
        {
            "webhooks.destination.created", "webhooks.destination.updated", "webhooks.delivery.failing", "webhooks.delivery.recovered",
            "webhooks.delivery.failing", "webhooks.delivery.exhausted", "webhooks.destination.disabled", "webhooks.destination.enabled",
            "webhooks.destination.deleted",
        };
        await WebhookTestHost.WaitUntilAsync(() => Task.FromResult(AboutSubject(receiver, subject.Id).Count >= expected.Length), because: "every operational event reaches the on-call destination");
        var events = AboutSubject(receiver, subject.Id);
        events.Select(e => e.GetProperty("type").GetString()).Should().BeEquivalentTo(expected);

        var disabled = events.Single(e => e.GetProperty("type").GetString() == "webhooks.destination.disabled").GetProperty("data");
        disabled.GetProperty("disabledReason").GetString().Should().Be("maintenance window");
        disabled.GetProperty("name").GetString().Should().Be("subject-renamed");
        disabled.GetProperty("enabled").GetBoolean().Should().BeFalse();
        var failing = events.First(e => e.GetProperty("type").GetString() == "webhooks.delivery.failing").GetProperty("data");
        failing.GetProperty("deliveryId").GetString().Should().Be(first);
        failing.GetProperty("eventType").GetString().Should().Be("order.created");
        failing.GetProperty("attempts").GetInt32().Should().Be(2);
        failing.GetProperty("lastStatusCode").GetInt32().Should().Be(503);
        failing.GetProperty("nextAttemptAt").GetDateTimeOffset().Should().Be(Start + TimeSpan.FromSeconds(30));
        var exhausted = events.Single(e => e.GetProperty("type").GetString() == "webhooks.delivery.exhausted").GetProperty("data");
        exhausted.GetProperty("deliveryId").GetString().Should().Be(second);
        exhausted.GetProperty("attempts").GetInt32().Should().Be(3);

        receiver.RequestsTo("/subject").Select(r => r.Header("webhook-event-type")).Should().OnlyContain(t => t!.StartsWith("order.", StringComparison.Ordinal), "a destination never receives the operational events about itself");
        receiver.RequestsTo("/everything").Select(r => r.Header("webhook-event-type")).Should().OnlyContain(t => t!.StartsWith("order.", StringComparison.Ordinal), "'*' does not include operational events");
        receiver.RequestsTo("/oncall").Select(r => r.Header("webhook-event-type")).Should().OnlyContain(t => t!.StartsWith("webhooks.", StringComparison.Ordinal));
        AboutSubject(receiver, oncall.Id).Should().BeEmpty("the on-call destination's own creation is not sent to itself");

        observer.Moments.Should().Contain(new[]
        {
            "created:" + subject.Id, "updated:" + subject.Id, "failing:" + first, "recovered:" + first, "failing:" + second, "failed:" + second,
            "disabled:" + subject.Id, "enabled:" + subject.Id, "deleted:" + subject.Id,
        });
    }

    [Test]
    public async Task OperationalEvents_AutomaticDisable_IsPublishedWithTheReasonAndDeliveriesOfOperationalEventsRaiseNone()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        receiver.Responder = r => r.Path == "/gone" ? ReceiverResponse.Status(410) : r.Path == "/broken-oncall" ? ReceiverResponse.Status(500) : null;
        await using var host = await WebhookTestHost.StartAsync(o => o.OperationalEvents.FailingAfterAttempts = 1);
        var oncall = await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver, "/oncall", "oncall").With(d => d.Subscriptions = ["webhooks.destination.disabled"]));
        await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver, "/broken-oncall", "broken-oncall").With(d =>
        {
            d.Subscriptions = ["webhooks.*"];
            d.RetryCount = 0;
        }));
        var gone = await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver, "/gone", "gone").With(d => d.Subscriptions = ["thing.*"]));

        await host.Publisher.PublishAsync(Event("thing.happened"));
        await WebhookTestHost.WaitUntilAsync(() => Task.FromResult(receiver.RequestsTo("/oncall").Count == 1), because: "the automatic disable is published");

        using var body = JsonDocument.Parse(receiver.RequestsTo("/oncall").Single().BodyText);
        body.RootElement.GetProperty("type").GetString().Should().Be("webhooks.destination.disabled");
        body.RootElement.GetProperty("data").GetProperty("destinationId").GetString().Should().Be(gone.Id);
        body.RootElement.GetProperty("data").GetProperty("disabledReason").GetString().Should().Contain("410");

        // broken-oncall fails every operational event it gets, but those failures raise no further events: no loop.
        await Task.Delay(500);
        var toBroken = receiver.RequestsTo("/broken-oncall").Select(r => JsonDocument.Parse(r.BodyText).RootElement).ToArray();
        toBroken.Select(e => e.GetProperty("type").GetString()).Should().Contain("webhooks.delivery.exhausted").And.Contain("webhooks.destination.disabled");
        toBroken.Where(e => e.GetProperty("type").GetString()!.StartsWith("webhooks.delivery.", StringComparison.Ordinal))
            .Should().OnlyContain(e => e.GetProperty("data").GetProperty("eventType").GetString() == "thing.happened", "a failed delivery of an operational event raises no event");
        var settled = receiver.RequestsTo("/broken-oncall").Count;
        await Task.Delay(500);
        receiver.RequestsTo("/broken-oncall").Should().HaveCount(settled);
        receiver.RequestsTo("/oncall").Should().ContainSingle();
        oncall.Enabled.Should().BeTrue();
    }

    [Test]
    public async Task Catalog_ListsTheOperationalEventsWithExamples()
    {
        await using var host = await WebhookTestHost.StartAsync(start: false);

        var catalog = host.Services.GetRequiredService<IWebhookEventCatalog>();

        catalog.List().Select(t => t.Name).Should().Contain(WebhookOperationalEvents.Definitions.Select(d => d.Name)).And.HaveCountGreaterOrEqualTo(8);
        catalog.Find("webhooks.delivery.exhausted")!.Example!.Value.GetProperty("deliveryId").GetString().Should().NotBeNullOrEmpty();
        catalog.Find("webhooks.destination.disabled")!.Example!.Value.GetProperty("disabledReason").GetString().Should().NotBeNullOrEmpty();
    }

    private static List<JsonElement> AboutSubject(LocalWebhookReceiver receiver, string destinationId)
        => receiver.RequestsTo("/oncall")
            .Select(r => JsonDocument.Parse(r.BodyText).RootElement)
            .Where(e => e.GetProperty("data").GetProperty("destinationId").GetString() == destinationId)
            // Delivery is at-least-once (a fake-clock jump past the lease can send one twice): count each event once by
            // its id, as a receiver deduplicates by webhook-id.
            .DistinctBy(e => e.GetProperty("id").GetString())
            .ToList();

    private sealed class RecordingObserver : IWebhookObserver
    {
        private readonly ConcurrentQueue<string> _moments = new();

        public IReadOnlyList<string> Moments => _moments.ToArray();

        public ValueTask OnDestinationCreatedAsync(WebhookDestination destination, CancellationToken cancellationToken) => Add("created:" + destination.Id);

        public ValueTask OnDestinationUpdatedAsync(WebhookDestination destination, CancellationToken cancellationToken) => Add("updated:" + destination.Id);

        public ValueTask OnDestinationDeletedAsync(WebhookDestination destination, CancellationToken cancellationToken) => Add("deleted:" + destination.Id);

        public ValueTask OnDestinationEnabledAsync(WebhookDestination destination, CancellationToken cancellationToken) => Add("enabled:" + destination.Id);

        public ValueTask OnDestinationDisabledAsync(WebhookDestination destination, CancellationToken cancellationToken) => Add("disabled:" + destination.Id);

        public ValueTask OnDeliveryFailingAsync(WebhookDelivery delivery, CancellationToken cancellationToken) => Add("failing:" + delivery.Id);

        public ValueTask OnDeliveryFailedAsync(WebhookDelivery delivery, CancellationToken cancellationToken) => Add("failed:" + delivery.Id);

        public ValueTask OnDeliveryRecoveredAsync(WebhookDelivery delivery, CancellationToken cancellationToken) => Add("recovered:" + delivery.Id);

        private ValueTask Add(string moment)
        {
            _moments.Enqueue(moment);
            return ValueTask.CompletedTask;
        }
    }
}
