using FluentAssertions;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using Webhooks.Sdk.Delivery;
using Webhooks.Sdk.Testing;
using Webhooks.Sdk.Tests.Diagnostics;
using Webhooks.Sdk.Tests.Support;
using static Webhooks.Sdk.Tests.Core.CoreTestKit;

namespace Webhooks.Sdk.Tests.Engine;

/// <summary>The retry schedule's jitter and its cap, alone and as the dispatcher stores them.</summary>
public class RetryScheduleTests
{
    private static WebhookRetryOptions Options(double jitter = 0.2) => new()
    {
        BaseDelay = TimeSpan.FromSeconds(10),
        Multiplier = 10,
        MaxDelay = TimeSpan.FromSeconds(60),
        JitterFactor = jitter,
    };

    [TestCase(0.0, 8)]
    [TestCase(0.5, 10)]
    [TestCase(1.0, 12)]
    public void Delay_FirstRetry_SpreadsByTheJitterFactorEitherWay(double random01, double expectedSeconds)
        => RetrySchedule.Delay(Options(), 1, null, random01).Should().Be(TimeSpan.FromSeconds(expectedSeconds));

    [TestCase(0.0, 48)]
    [TestCase(0.5, 60)]
    [TestCase(1.0, 60)]
    public void Delay_PastTheCap_NeverExceedsMaxDelayEvenWithJitter(double random01, double expectedSeconds)
        => RetrySchedule.Delay(Options(), 3, null, random01).Should().Be(TimeSpan.FromSeconds(expectedSeconds), "10 s × 10² = 1000 s is cut to 60 s, then −20 % … +0 %");

    [Test]
    public void Delay_SecondRetry_GrowsByTheMultiplier()
        => RetrySchedule.Delay(Options(jitter: 0), 2, null, 0.9).Should().Be(TimeSpan.FromSeconds(60), "10 s × 10 = 100 s, cut to 60 s");

    [Test]
    public void Delay_HugeRetryNumber_StaysAtTheCap()
        => RetrySchedule.Delay(Options(jitter: 0), 10_000, null, 0.5).Should().Be(TimeSpan.FromSeconds(60));

    [Test]
    public async Task Retries_TwelveDeliveriesWithHalfJitter_DueTimesSpreadWithinTheFactor()
    {
        var time = new FakeTimeProvider(Start);
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        receiver.Enqueue(Enumerable.Repeat(ReceiverResponse.Status(503), 12).ToArray());
        await using var host = await WebhookTestHost.StartAsync(
            o =>
            {
                o.Retry.BaseDelay = TimeSpan.FromSeconds(100);
                o.Retry.JitterFactor = 0.5;
            },
            time: time);
        await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver).With(d => d.RetryCount = 3));
        var ids = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            ids.Add((await host.Publisher.PublishAsync(Event())).Deliveries[0].DeliveryId);
        }

        var waits = new List<TimeSpan>();
        foreach (var id in ids)
        {
            var delivery = await host.WaitForAttemptsAsync(id, 1);
            waits.Add(delivery.NextAttemptAt!.Value - Start);
        }

        TestContext.Out.WriteLine("waits (s): " + string.Join(", ", waits.Select(w => w.TotalSeconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture))));
        waits.Should().OnlyContain(w => w >= TimeSpan.FromSeconds(50) && w <= TimeSpan.FromSeconds(150), "100 s ± 50 %");
        waits.Distinct().Should().HaveCountGreaterThan(6, "each delivery draws its own jitter, so retries of a burst do not all come back at once");
    }

    [Test]
    public async Task Retries_GrowingPastMaxDelay_AreStoredAtMostMaxDelayApart()
    {
        var time = new FakeTimeProvider(Start);
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        receiver.DefaultResponse = ReceiverResponse.Status(503);
        await using var host = await WebhookTestHost.StartAsync(
            o =>
            {
                o.Retry.BaseDelay = TimeSpan.FromSeconds(10);
                o.Retry.Multiplier = 10;
                o.Retry.MaxDelay = TimeSpan.FromSeconds(30);
                o.Retry.JitterFactor = 0.5;
            },
            time: time);
        await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver).With(d => d.RetryCount = 4));
        var id = (await host.Publisher.PublishAsync(Event())).Deliveries[0].DeliveryId;

        var gaps = new List<TimeSpan>();
        for (var attempt = 1; attempt <= 4; attempt++)
        {
            var delivery = await host.WaitForAttemptsAsync(id, attempt);
            var now = time.GetUtcNow();
            gaps.Add(delivery.NextAttemptAt!.Value - now);
            time.Advance(delivery.NextAttemptAt!.Value - now);
        }

        TestContext.Out.WriteLine("gaps (s): " + string.Join(", ", gaps.Select(g => g.TotalSeconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture))));
        gaps[0].Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(5)).And.BeLessThanOrEqualTo(TimeSpan.FromSeconds(15));
        gaps.Skip(1).Should().OnlyContain(g => g >= TimeSpan.FromSeconds(15) && g <= TimeSpan.FromSeconds(30), "100 s and 1000 s are cut to 30 s, and jitter never goes past the cap");
    }
}
