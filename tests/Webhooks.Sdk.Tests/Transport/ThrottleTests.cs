using FluentAssertions;
using NUnit.Framework;
using Webhooks.Sdk.Testing;
using Webhooks.Sdk.Tests.Support;

namespace Webhooks.Sdk.Tests.Transport;

/// <summary>429, 502 and 504 slow a destination down; they neither open the breaker nor count toward auto-disable.</summary>
public class ThrottleTests
{
    [Test]
    public async Task Publish_ResetsThen429OncePerEvent_AllTenArriveWithin15SecondsOfTheFirst200()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        var requests = 0;
        var throttled = new System.Collections.Concurrent.ConcurrentDictionary<string, bool>();
        var ok = new System.Collections.Concurrent.ConcurrentQueue<DateTime>();
        receiver.Responder = r =>
        {
            if (Interlocked.Increment(ref requests) <= 10)
            {
                return new ReceiverResponse { StatusCode = 200, Abort = true };
            }

            if (throttled.TryAdd(r.Headers["webhook-id"], true))
            {
                return ReceiverResponse.Status(429) with { RetryAfter = "3" };
            }

            ok.Enqueue(DateTime.UtcNow);
            return ReceiverResponse.Ok();
        };
        await using var host = await WebhookTestHost.StartAsync(o =>
        {
            o.Retry.BaseDelay = TimeSpan.FromMilliseconds(500);
            o.Retry.MaxDelay = TimeSpan.FromSeconds(5);
            o.Health.BreakerFailureRatio = 0.5;
            o.Health.BreakerMinimumThroughput = 10;
            o.Health.BreakerBreakDuration = TimeSpan.FromSeconds(2);
        });
        var definition = WebhookTestHost.Destination(receiver);
        definition.RetryCount = 10;
        await host.Destinations.CreateAsync(definition);

        var ids = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            ids.Add((await host.Publisher.PublishAsync(WebhookEvent.Create("order.created", new { i }))).Deliveries[0].DeliveryId);
        }

        foreach (var id in ids)
        {
            (await host.WaitForFinalAsync(id, TimeSpan.FromSeconds(60))).Status.Should().Be(WebhookDeliveryStatus.Succeeded);
        }

        var times = ok.ToArray();
        times.Should().HaveCount(10);
        (times.Max() - times.Min()).Should().BeLessThan(TimeSpan.FromSeconds(15));
        TestContext.Out.WriteLine($"first 200 to last 200: {(times.Max() - times.Min()).TotalSeconds:0.0} s");
    }

    [Test]
    public async Task Publish_OnlyThrottleAnswers_DestinationNeverAutoDisabled()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        var requests = 0;
        receiver.Responder = _ => Interlocked.Increment(ref requests) switch
        {
            <= 2 => ReceiverResponse.Status(429) with { RetryAfter = "1" },
            <= 4 => ReceiverResponse.Status(502),
            <= 6 => ReceiverResponse.Status(504),
            _ => ReceiverResponse.Ok(),
        };
        await using var host = await WebhookTestHost.StartAsync(o =>
        {
            o.Retry.BaseDelay = TimeSpan.FromMilliseconds(100);
            o.Retry.MaxDelay = TimeSpan.FromMilliseconds(200);
            o.Health.DisableAfterConsecutiveFailures = 3;
            o.Health.BreakerMinimumThroughput = 2;
            o.Health.BreakerBreakDuration = TimeSpan.FromSeconds(30);
        });
        var definition = WebhookTestHost.Destination(receiver);
        definition.RetryCount = 10;
        var created = await host.Destinations.CreateAsync(definition);

        var published = await host.Publisher.PublishAsync(WebhookEvent.Create("order.created", new { n = 1 }));

        (await host.WaitForFinalAsync(published.Deliveries[0].DeliveryId, TimeSpan.FromSeconds(20))).Status.Should().Be(WebhookDeliveryStatus.Succeeded);
        var read = await host.Destinations.GetAsync(created.Id);
        read.Enabled.Should().BeTrue();
        read.ConsecutiveFailures.Should().Be(0);
    }
}
