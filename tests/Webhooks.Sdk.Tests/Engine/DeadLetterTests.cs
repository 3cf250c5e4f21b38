using FluentAssertions;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using Webhooks.Sdk.Testing;
using Webhooks.Sdk.Tests.Diagnostics;
using Webhooks.Sdk.Tests.Support;
using static Webhooks.Sdk.Tests.Core.CoreTestKit;

namespace Webhooks.Sdk.Tests.Engine;

/// <summary>What happens to the queue of a destination that is disabled (not deleted).</summary>
public class DeadLetterTests
{
    [Test]
    public async Task Dispatch_DestinationDisabledWithRetriesPending_DeadLettersThemWithTheReasonAndSendsNothingMore()
    {
        var time = new FakeTimeProvider(Start);
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        receiver.Enqueue("/paused", ReceiverResponse.Status(503), ReceiverResponse.Status(503));
        await using var host = await WebhookTestHost.StartAsync(time: time);
        var paused = await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver, "/paused", "paused").With(d => d.RetryCount = 5));
        await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver, "/other", "other"));
        var first = await host.Publisher.PublishAsync(Event());
        var second = await host.Publisher.PublishAsync(Event());
        var waiting = new[] { first, second }.Select(p => p.Deliveries.Single(d => d.DestinationId == paused.Id).DeliveryId).ToArray();
        foreach (var id in waiting)
        {
            (await host.WaitForAttemptsAsync(id, 1)).Status.Should().Be(WebhookDeliveryStatus.Pending);
        }

        await host.Destinations.DisableAsync(paused.Id, "maintenance window");
        time.Advance(TimeSpan.FromSeconds(10));
        var final = new List<WebhookDelivery>();
        foreach (var id in waiting)
        {
            final.Add(await host.WaitForFinalAsync(id));
        }

        final.Should().OnlyContain(d => d.Status == WebhookDeliveryStatus.Failed && d.LastError == "The destination is disabled: maintenance window." && d.AttemptCount == 2);
        var attempts = await host.DeliveryLog.ListAttemptsAsync(waiting[0]);
        attempts.Should().HaveCount(2);
        attempts[1].StatusCode.Should().BeNull("the dead-lettering made no request");
        receiver.RequestsTo("/paused").Should().HaveCount(2, "one attempt each before the disabling, none after");
        receiver.RequestsTo("/other").Should().HaveCount(2, "other destinations are unaffected");
        (await host.Destinations.GetAsync(paused.Id)).Enabled.Should().BeFalse();

        await host.Destinations.EnableAsync(paused.Id);
        time.Advance(TimeSpan.FromMinutes(5));
        await Task.Delay(500);
        receiver.RequestsTo("/paused").Should().HaveCount(2, "enabling again does not resurrect dead-lettered deliveries (redeliver does)");
        (await host.DeliveryLog.GetAsync(waiting[1])).Status.Should().Be(WebhookDeliveryStatus.Failed);
    }
}
