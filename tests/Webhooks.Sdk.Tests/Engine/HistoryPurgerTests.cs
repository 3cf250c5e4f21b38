using FluentAssertions;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using Webhooks.Sdk.Testing;
using Webhooks.Sdk.Tests.Diagnostics;
using Webhooks.Sdk.Tests.Support;
using static Webhooks.Sdk.Tests.Core.CoreTestKit;

namespace Webhooks.Sdk.Tests.Engine;

/// <summary>The background purge of final deliveries past <see cref="WebhookRetentionOptions.HistoryRetention"/>.</summary>
public class HistoryPurgerTests
{
    [Test]
    public async Task Purger_FinalDeliveriesPastRetention_AreRemovedInBatchesWhilePendingAndRecentOnesStay()
    {
        var time = new FakeTimeProvider(Start);
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        receiver.Enqueue("/slow", ReceiverResponse.Status(503) with { RetryAfter = "172800" });
        await using var host = await WebhookTestHost.StartAsync(
            o =>
            {
                o.Retention.HistoryRetention = TimeSpan.FromDays(1);
                o.Retention.PurgeInterval = TimeSpan.FromHours(1);
                o.Retention.PurgeBatchSize = 2;
                o.Retry.MaxRetryAfter = TimeSpan.FromDays(3);
            },
            time: time);
        await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver, "/ok", "ok").With(d => d.Subscriptions = ["ok.*"]));
        await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver, "/slow", "slow").With(d =>
        {
            d.Subscriptions = ["slow.*"];
            d.RetryCount = 3;
        }));
        var old = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            old.Add((await host.Publisher.PublishAsync(Event("ok.done"))).Deliveries[0].DeliveryId);
        }

        var pending = (await host.Publisher.PublishAsync(Event("slow.done"))).Deliveries[0].DeliveryId;
        foreach (var id in old)
        {
            (await host.WaitForFinalAsync(id)).Status.Should().Be(WebhookDeliveryStatus.Succeeded);
        }

        (await host.WaitForAttemptsAsync(pending, 1)).NextAttemptAt.Should().Be(Start + TimeSpan.FromDays(2));

        time.Advance(TimeSpan.FromHours(20));
        var recent = (await host.Publisher.PublishAsync(Event("ok.done"))).Deliveries[0].DeliveryId;
        (await host.WaitForFinalAsync(recent)).Status.Should().Be(WebhookDeliveryStatus.Succeeded);
        (await CountExistingAsync(host, old)).Should().Be(5, "nothing is purged before its retention");

        // Hour by hour (the purge interval), giving the background purge a moment to run after each tick.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (await CountExistingAsync(host, old) > 0 && DateTime.UtcNow < deadline)
        {
            time.Advance(TimeSpan.FromHours(1));
            await Task.Delay(100);
        }

        var purgedAfter = time.GetUtcNow() - Start;
        TestContext.Out.WriteLine($"old history gone {purgedAfter.TotalHours} h after it completed");
        (await CountExistingAsync(host, old)).Should().Be(0, "five final deliveries a day old are purged, two at a time, without any call");
        purgedAfter.Should().BeGreaterThan(TimeSpan.FromDays(1)).And.BeLessThanOrEqualTo(TimeSpan.FromHours(27), "the purge runs every hour once they pass the day of retention");
        (await host.DeliveryLog.GetAsync(recent)).Status.Should().Be(WebhookDeliveryStatus.Succeeded, "a delivery completed 20 h later is kept");
        (await host.DeliveryLog.GetAsync(pending)).Status.Should().Be(WebhookDeliveryStatus.Pending, "a pending delivery is never purged, however old");
        host.Logs.AllText.Should().Contain("Purged");
    }

    private static async Task<int> CountExistingAsync(WebhookTestHost host, IEnumerable<string> ids)
    {
        var count = 0;
        foreach (var id in ids)
        {
            try
            {
                await host.DeliveryLog.GetAsync(id);
                count++;
            }
            catch (WebhookNotFoundException)
            {
            }
        }

        return count;
    }
}
