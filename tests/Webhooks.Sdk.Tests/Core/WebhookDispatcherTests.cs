using Microsoft.Extensions.Time.Testing;
using System.Collections.Concurrent;
using System.Globalization;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;
using Webhooks.Sdk.Storage;
using Webhooks.Sdk.Testing;
using Webhooks.Sdk.Tests.Support;
using static Webhooks.Sdk.Tests.Core.CoreTestKit;

namespace Webhooks.Sdk.Tests.Core;

public class WebhookDispatcherTests
{
    [Test]
    public async Task Retries_FailingThenRecovering_StoreDueTimesOnExponentialScheduleWithSameIdAndRisingAttemptNumber()
    {
        var time = new FakeTimeProvider(Start);
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        receiver.Enqueue(ReceiverResponse.Status(500), ReceiverResponse.Status(503));
        await using var host = await WebhookTestHost.StartAsync(
            o =>
            {
                o.Retry.BaseDelay = TimeSpan.FromSeconds(10);
                o.Retry.Multiplier = 3;
                o.Retry.JitterFactor = 0;
            },
            time: time);
        await host.Destinations.CreateAsync(Tap(WebhookTestHost.Destination(receiver), d => d.RetryCount = 3));
        var deliveryId = (await host.Publisher.PublishAsync(Event())).Deliveries[0].DeliveryId;

        var afterFirst = await host.WaitForAttemptsAsync(deliveryId, 1);
        afterFirst.Status.Should().Be(WebhookDeliveryStatus.Pending);
        afterFirst.NextAttemptAt.Should().Be(Start + TimeSpan.FromSeconds(10));
        afterFirst.LastStatusCode.Should().Be(500);
        await Task.Delay(300);
        receiver.Requests.Should().HaveCount(1, "the wait for a retry is a stored due time, not a sleep");

        time.Advance(TimeSpan.FromSeconds(10));
        var afterSecond = await host.WaitForAttemptsAsync(deliveryId, 2);
        afterSecond.NextAttemptAt.Should().Be(Start + TimeSpan.FromSeconds(10) + TimeSpan.FromSeconds(30));

        time.Advance(TimeSpan.FromSeconds(30));
        var final = await host.WaitForFinalAsync(deliveryId);

        final.Status.Should().Be(WebhookDeliveryStatus.Succeeded);
        final.AttemptCount.Should().Be(3);
        receiver.Requests.Select(r => r.Header("webhook-attempt")).Should().Equal("1", "2", "3");
        receiver.Requests.Select(r => r.Header("webhook-id")).Distinct().Should().ContainSingle();
        receiver.Requests.Select(r => r.Header("webhook-timestamp")).Should().Equal(
            Start.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            (Start.ToUnixTimeSeconds() + 10).ToString(CultureInfo.InvariantCulture),
            (Start.ToUnixTimeSeconds() + 40).ToString(CultureInfo.InvariantCulture));
    }

    [TestCase("120", 120)]
    [TestCase("99999", 3600)]
    public async Task Retries_RetryAfterSeconds_IsHonouredWithinTheCap(string retryAfter, int expectedSeconds)
    {
        var time = new FakeTimeProvider(Start);
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        receiver.Enqueue(new ReceiverResponse { StatusCode = 429, RetryAfter = retryAfter });
        await using var host = await WebhookTestHost.StartAsync(o => o.Retry.MaxRetryAfter = TimeSpan.FromHours(1), time: time);
        await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver));
        var deliveryId = (await host.Publisher.PublishAsync(Event())).Deliveries[0].DeliveryId;

        var delivery = await host.WaitForAttemptsAsync(deliveryId, 1);

        delivery.Status.Should().Be(WebhookDeliveryStatus.Pending);
        delivery.NextAttemptAt.Should().Be(Start + TimeSpan.FromSeconds(expectedSeconds));
    }

    [Test]
    public async Task Retries_RetryAfterHttpDate_IsHonoured()
    {
        var time = new FakeTimeProvider(Start);
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        receiver.Enqueue(new ReceiverResponse { StatusCode = 503, RetryAfter = (Start + TimeSpan.FromMinutes(7)).ToString("R", CultureInfo.InvariantCulture) });
        await using var host = await WebhookTestHost.StartAsync(time: time);
        await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver));
        var deliveryId = (await host.Publisher.PublishAsync(Event())).Deliveries[0].DeliveryId;

        var delivery = await host.WaitForAttemptsAsync(deliveryId, 1);

        delivery.NextAttemptAt.Should().Be(Start + TimeSpan.FromMinutes(7));
    }

    [Test]
    public async Task Attempt_Redirect_IsAFailureAndNotFollowed()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        receiver.Enqueue("/hook", new ReceiverResponse { StatusCode = 302, Headers = new Dictionary<string, string> { ["Location"] = "/elsewhere" } });
        await using var host = await WebhookTestHost.StartAsync();
        await host.Destinations.CreateAsync(Tap(WebhookTestHost.Destination(receiver), d => d.RetryCount = 0));
        var deliveryId = (await host.Publisher.PublishAsync(Event())).Deliveries[0].DeliveryId;

        var delivery = await host.WaitForFinalAsync(deliveryId);

        delivery.Status.Should().Be(WebhookDeliveryStatus.Failed);
        delivery.LastStatusCode.Should().Be(302);
        delivery.LastError.Should().Contain("redirects are not followed");
        receiver.Requests.Should().ContainSingle().Which.Path.Should().Be("/hook");
    }

    [Test]
    public async Task Attempt_Gone410_DisablesDestinationStopsRetriesAndNotifiesObserver()
    {
        var observer = new RecordingObserver();
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        receiver.DefaultResponse = ReceiverResponse.Status(410);
        await using var host = await WebhookTestHost.StartAsync(services: (_, b) => b.AddObserver(observer));
        var destination = await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver));
        var deliveryId = (await host.Publisher.PublishAsync(Event())).Deliveries[0].DeliveryId;

        var delivery = await host.WaitForFinalAsync(deliveryId);

        delivery.Status.Should().Be(WebhookDeliveryStatus.Failed);
        delivery.AttemptCount.Should().Be(1);
        var after = await host.Destinations.GetAsync(destination.Id);
        after.Enabled.Should().BeFalse();
        after.DisabledReason.Should().Contain("410");
        await WebhookTestHost.WaitUntilAsync(() => Task.FromResult(!observer.Disabled.IsEmpty), because: "the observer hears of the disabling");
        observer.Disabled.Should().ContainSingle().Which.Id.Should().Be(destination.Id);
        (await host.Publisher.PublishAsync(Event())).Deliveries.Should().BeEmpty();
    }

    [Test]
    public async Task Health_ConsecutiveFailures_AutoDisableWithReasonAndObserverThenEnableResetsCounter()
    {
        var observer = new RecordingObserver();
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        receiver.DefaultResponse = ReceiverResponse.Status(500);
        await using var host = await WebhookTestHost.StartAsync(o => o.Health.DisableAfterConsecutiveFailures = 3, services: (_, b) => b.AddObserver(observer));
        var destination = await host.Destinations.CreateAsync(Tap(WebhookTestHost.Destination(receiver), d => d.RetryCount = 0));

        for (var i = 0; i < 3; i++)
        {
            var id = (await host.Publisher.PublishAsync(Event())).Deliveries.Should().ContainSingle().Subject.DeliveryId;
            (await host.WaitForFinalAsync(id)).Status.Should().Be(WebhookDeliveryStatus.Failed);
        }

        var disabled = await host.Destinations.GetAsync(destination.Id);
        disabled.Enabled.Should().BeFalse();
        disabled.ConsecutiveFailures.Should().Be(3);
        disabled.DisabledReason.Should().Be(DestinationHealth.DisabledReasonForFailures(3));
        await WebhookTestHost.WaitUntilAsync(() => Task.FromResult(!observer.Disabled.IsEmpty), because: "the observer hears of the disabling");
        observer.Disabled.Should().ContainSingle().Which.DisabledReason.Should().Be(disabled.DisabledReason);
        observer.Failed.Should().HaveCount(3);
        (await host.Publisher.PublishAsync(Event())).Deliveries.Should().BeEmpty();

        var enabled = await host.Destinations.EnableAsync(destination.Id);

        enabled.Enabled.Should().BeTrue();
        enabled.ConsecutiveFailures.Should().Be(0);
        enabled.DisabledReason.Should().BeNull();
        receiver.DefaultResponse = ReceiverResponse.Ok();
        var next = (await host.Publisher.PublishAsync(Event())).Deliveries.Should().ContainSingle().Subject.DeliveryId;
        (await host.WaitForFinalAsync(next)).Status.Should().Be(WebhookDeliveryStatus.Succeeded);
    }

    [Test]
    public async Task Attempt_ReceiverSlowerThanTimeout_IsAFailedAttemptWithTimeoutError()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        receiver.Enqueue(new ReceiverResponse { StatusCode = 200, Delay = TimeSpan.FromSeconds(3) });
        await using var host = await WebhookTestHost.StartAsync();
        await host.Destinations.CreateAsync(Tap(WebhookTestHost.Destination(receiver), d =>
        {
            d.RetryCount = 0;
            d.AttemptTimeout = TimeSpan.FromSeconds(1);
        }));
        var deliveryId = (await host.Publisher.PublishAsync(Event())).Deliveries[0].DeliveryId;

        var delivery = await host.WaitForFinalAsync(deliveryId);

        delivery.Status.Should().Be(WebhookDeliveryStatus.Failed);
        delivery.LastStatusCode.Should().BeNull();
        delivery.LastError.Should().Be("Timed out after 1 s.");
        (await host.DeliveryLog.ListAttemptsAsync(deliveryId)).Should().ContainSingle().Which.Success.Should().BeFalse();
    }

    [Test]
    public async Task Concurrency_OverallLimit_IsNeverExceeded()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        var probe = new InFlightProbe(receiver, TimeSpan.FromMilliseconds(400));
        await using var host = await WebhookTestHost.StartAsync(o =>
        {
            o.Dispatcher.MaxConcurrency = 3;
            o.Dispatcher.MaxConcurrencyPerDestination = 10;
        });
        foreach (var path in new[] { "/a", "/b", "/c" })
        {
            await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver, path, path));
        }

        var ids = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            ids.AddRange((await host.Publisher.PublishAsync(Event())).DeliveryIds);
        }

        foreach (var id in ids)
        {
            (await host.WaitForFinalAsync(id, TimeSpan.FromSeconds(30))).Status.Should().Be(WebhookDeliveryStatus.Succeeded);
        }

        receiver.Requests.Should().HaveCount(12);
        probe.MaxInFlight.Should().BeLessThanOrEqualTo(3).And.BeGreaterThan(1);
    }

    [Test]
    public async Task Concurrency_PerDestinationLimit_IsNeverExceededWhileOthersProceed()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        var probe = new InFlightProbe(receiver, TimeSpan.FromMilliseconds(400));
        await using var host = await WebhookTestHost.StartAsync(o =>
        {
            o.Dispatcher.MaxConcurrency = 16;
            o.Dispatcher.MaxConcurrencyPerDestination = 2;
        });
        await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver, "/a", "a"));
        await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver, "/b", "b"));

        var ids = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            ids.AddRange((await host.Publisher.PublishAsync(Event())).DeliveryIds);
        }

        foreach (var id in ids)
        {
            (await host.WaitForFinalAsync(id, TimeSpan.FromSeconds(30))).Status.Should().Be(WebhookDeliveryStatus.Succeeded);
        }

        receiver.Requests.Should().HaveCount(16);
        probe.MaxInFlightTo("/a").Should().BeLessThanOrEqualTo(2);
        probe.MaxInFlightTo("/b").Should().BeLessThanOrEqualTo(2);
        probe.MaxInFlight.Should().BeGreaterThan(2, "the two destinations are served side by side");
    }

    [Test]
    public async Task RateLimit_EventsPerSecondWithBurst_SpacesArrivalsAfterTheBurst()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync();
        var created = await host.Destinations.CreateAsync(Tap(WebhookTestHost.Destination(receiver), d => d.RateLimit = new WebhookRateLimit(PerSecond: 5, Burst: 2)));

        // The first connection is made before the measured run (a test send does not use the rate): a cold first
        // connection would delay the first arrival and shorten the measured span.
        (await host.Destinations.TestAsync(created.Id)).Success.Should().BeTrue();
        var warmUp = receiver.Requests.Count;

        var ids = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            ids.AddRange((await host.Publisher.PublishAsync(Event())).DeliveryIds);
        }

        foreach (var id in ids)
        {
            (await host.WaitForFinalAsync(id, TimeSpan.FromSeconds(30))).Status.Should().Be(WebhookDeliveryStatus.Succeeded);
        }

        var arrivals = receiver.Requests.Skip(warmUp).Select(r => r.ReceivedAt).Order().ToArray();
        arrivals.Should().HaveCount(8);

        // A token bucket of 2 refilled at 5/s lets at most 2 + 5·t requests through in any window of t seconds; the
        // bounds below leave room for scheduling noise but fail if the limit is not applied at all.
        var span = arrivals[^1] - arrivals[0];
        span.Should().BeGreaterThan(TimeSpan.FromSeconds(1.0), "6 requests beyond the burst need 1.2 s at 5/s");
        arrivals.Count(a => a - arrivals[0] < TimeSpan.FromMilliseconds(100)).Should().BeLessThanOrEqualTo(3);
    }

    [Test]
    public async Task DispatcherDisabled_DoesNotSendButPublishingStillQueues()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync(o => o.Dispatcher.Enabled = false);
        await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver));

        var deliveryId = (await host.Publisher.PublishAsync(Event())).Deliveries.Should().ContainSingle().Subject.DeliveryId;
        await Task.Delay(500);

        receiver.Requests.Should().BeEmpty();
        (await host.DeliveryLog.GetAsync(deliveryId)).Status.Should().Be(WebhookDeliveryStatus.Pending);
    }

    [Test]
    public async Task StopAsync_AttemptInFlight_HandsTheLeasedDeliveryBackAsDueNow()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        receiver.Enqueue(new ReceiverResponse { StatusCode = 200, Delay = TimeSpan.FromSeconds(10) });
        var host = await WebhookTestHost.StartAsync(o => o.Dispatcher.LeaseDuration = TimeSpan.FromMinutes(10));
        try
        {
            await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver));
            var deliveryId = (await host.Publisher.PublishAsync(Event())).Deliveries[0].DeliveryId;
            await receiver.WaitForRequestsAsync(1);

            using (var stopTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
            {
                await host.Host.StopAsync(stopTimeout.Token);
            }

            var delivery = await host.DeliveryLog.GetAsync(deliveryId);
            delivery.Status.Should().Be(WebhookDeliveryStatus.Pending);
            delivery.AttemptCount.Should().Be(0, "an attempt cut short by shutdown is not a failure");
            var store = host.Services.GetRequiredService<IWebhookStore>();
            var leased = await store.LeaseDueAsync(
                new LeaseRequest { MaxCount = 10, Now = DateTimeOffset.UtcNow, Duration = TimeSpan.FromMinutes(1) },
                CancellationToken.None);
            leased.Select(l => l.Delivery.Id).Should().Equal(deliveryId);
        }
        finally
        {
            host.Host.Dispose();
        }
    }

    [Test]
    public async Task Lease_AttemptSlowerThanTheLease_IsRenewedAndSentExactlyOnce()
    {
        var time = new FakeTimeProvider(Start);
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        receiver.Enqueue(new ReceiverResponse { StatusCode = 200, Delay = TimeSpan.FromSeconds(2) });
        await using var host = await WebhookTestHost.StartAsync(o => o.Dispatcher.LeaseDuration = TimeSpan.FromSeconds(5), time: time);
        await host.Destinations.CreateAsync(Tap(WebhookTestHost.Destination(receiver), d => d.AttemptTimeout = TimeSpan.FromSeconds(30)));
        var deliveryId = (await host.Publisher.PublishAsync(Event())).Deliveries[0].DeliveryId;
        await receiver.WaitForRequestsAsync(1);

        // While the receiver holds the answer (2 s of real time), 15 s pass on the dispatcher's clock: three lease
        // durations. Without renewal the dispatcher would lease the delivery again and send it a second time.
        for (var i = 0; i < 15; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(60);
        }

        var delivery = await host.WaitForFinalAsync(deliveryId);
        for (var i = 0; i < 10; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(20);
        }

        delivery.Status.Should().Be(WebhookDeliveryStatus.Succeeded);
        delivery.AttemptCount.Should().Be(1);
        receiver.Requests.Should().ContainSingle("the lease was renewed while the attempt ran");
        host.Logs.AllText.Should().Contain("Renewed 1 lease(s)").And.NotContain("lease was lost");
    }

    [TestCase(4.9, false)]
    [TestCase(5, true)]
    [TestCase(86_400, true)]
    [TestCase(86_401, false)]
    public async Task Start_LeaseDuration_AcceptsFiveSecondsToOneDay(double seconds, bool valid)
    {
        var act = async () => await (await WebhookTestHost.StartAsync(o => o.Dispatcher.LeaseDuration = TimeSpan.FromSeconds(seconds))).DisposeAsync();

        if (valid)
        {
            await act.Should().NotThrowAsync();
        }
        else
        {
            (await act.Should().ThrowAsync<Microsoft.Extensions.Options.OptionsValidationException>()).Which.Failures
                .Should().Contain(f => f.StartsWith("Dispatcher.LeaseDuration must be between 5 s and 86400 s", StringComparison.Ordinal));
        }
    }

    [Test]
    public void LeaseDuration_Default_IsFifteenSeconds()
        => new WebhooksOptions().Dispatcher.LeaseDuration.Should().Be(TimeSpan.FromSeconds(15));

    [TestCase(0.0005, 1, "RateLimit.PerSecond")]
    [TestCase(1e-300, 1, "RateLimit.PerSecond")]
    [TestCase(2_000_000, 1, "RateLimit.PerSecond")]
    [TestCase(10, 2_000_000, "RateLimit.Burst")]
    public async Task CreateAsync_RateLimitThatWouldOverflow_IsRefusedNamingTheField(double perSecond, int burst, string field)
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync();

        var act = () => host.Destinations.CreateAsync(Tap(WebhookTestHost.Destination(receiver), d => d.RateLimit = new WebhookRateLimit(perSecond, burst)));

        (await act.Should().ThrowAsync<WebhookValidationException>()).Which.Errors.Should().Contain(e => e.Field == field);
    }

    [Test]
    public async Task Heartbeat_TwoInstancesOnOneStore_EachSeesTwoAndTakesHalfTheRate()
    {
        var store = new InMemoryWebhookStore();
        await using var first = await WebhookTestHost.StartAsync(services: (s, _) => s.AddSingleton<IWebhookStore>(store));
        await using var second = await WebhookTestHost.StartAsync(services: (s, _) => s.AddSingleton<IWebhookStore>(store));

        await WebhookTestHost.WaitUntilAsync(
            () => Task.FromResult(first.Services.GetRequiredService<Delivery.InstanceShare>().Count == 2 && second.Services.GetRequiredService<Delivery.InstanceShare>().Count == 2),
            TimeSpan.FromSeconds(15),
            "both instances register and count each other");

        var bucket = new Delivery.TokenBucket(new WebhookRateLimit(PerSecond: 20, Burst: 4), Start);
        bucket.TryAcquire(Start, TimeSpan.Zero, instances: 2, out _).Should().Be(TimeSpan.Zero);
        bucket.TryAcquire(Start, TimeSpan.Zero, instances: 2, out _).Should().Be(TimeSpan.Zero);
        bucket.TryAcquire(Start, TimeSpan.Zero, instances: 2, out var next).Should().BeNull("half of a burst of 4 is 2");
        next.Should().BeCloseTo(Start + TimeSpan.FromSeconds(1.0 / 9), TimeSpan.FromMilliseconds(1), "half of 90 % of 20/s is one token every 111 ms");
    }

    [Test]
    public async Task Heartbeat_JoiningInstance_HeldUntilTheOtherHasBeatenSinceItJoinedThenReleased()
    {
        var time = new FakeTimeProvider(Start);
        var store = new InMemoryWebhookStore();
        await using var first = await WebhookTestHost.StartAsync(services: (s, _) => s.AddSingleton<IWebhookStore>(store), time: time);
        await WebhookTestHost.WaitUntilAsync(async () => await store.CountLiveInstancesAsync(Start, CancellationToken.None) == 1, TimeSpan.FromSeconds(10), "the first instance registered");
        time.Advance(TimeSpan.FromSeconds(2));

        await using var second = await WebhookTestHost.StartAsync(services: (s, _) => s.AddSingleton<IWebhookStore>(store), time: time);
        var share = second.Services.GetRequiredService<Delivery.InstanceShare>();
        await WebhookTestHost.WaitUntilAsync(() => Task.FromResult(share.Count == 2), TimeSpan.FromSeconds(10), "the second instance counted both");
        share.IsHeld(time.GetUtcNow()).Should().BeTrue("the first instance has not counted the second yet");
        share.HeldUntil.Should().Be(Start + TimeSpan.FromSeconds(2) + Delivery.InstanceShare.JoinHold, "held for at most the cap");

        // The first beats again at 5 s (and counts the second right after); the second, beating every second while
        // held, sees that and ends its hold a margin later instead of waiting for the whole cap.
        for (var second2 = 3; second2 <= 4; second2++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(50);
            share.IsHeld(time.GetUtcNow()).Should().BeTrue($"at {second2} s the first instance has not beaten since the second joined");
        }

        for (var i = 0; i < 3; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(50);
        }

        await WebhookTestHost.WaitUntilAsync(() => Task.FromResult(share.HeldUntil <= Start + TimeSpan.FromSeconds(7) + Delivery.InstanceShare.JoinMargin), TimeSpan.FromSeconds(10), "the hold is released once the first instance beat");
        first.Services.GetRequiredService<Delivery.InstanceShare>().Count.Should().Be(2);
        time.Advance(TimeSpan.FromSeconds(2));
        share.IsHeld(time.GetUtcNow()).Should().BeFalse();
    }

    private static WebhookDestinationDefinition Tap(WebhookDestinationDefinition definition, Action<WebhookDestinationDefinition> change)
    {
        change(definition);
        return definition;
    }

    private sealed class RecordingObserver : IWebhookObserver
    {
        public ConcurrentQueue<WebhookDestination> Disabled { get; } = new();

        public ConcurrentQueue<WebhookDelivery> Failed { get; } = new();

        public ValueTask OnDestinationDisabledAsync(WebhookDestination destination, CancellationToken cancellationToken)
        {
            Disabled.Enqueue(destination);
            return ValueTask.CompletedTask;
        }

        public ValueTask OnDeliveryFailedAsync(WebhookDelivery delivery, CancellationToken cancellationToken)
        {
            Failed.Enqueue(delivery);
            return ValueTask.CompletedTask;
        }
    }
}
