using Microsoft.Extensions.Time.Testing;
using FluentAssertions;
using NUnit.Framework;
using Webhooks.Sdk.Testing;
using Webhooks.Sdk.Tests.Support;
using static Webhooks.Sdk.Tests.Core.CoreTestKit;

namespace Webhooks.Sdk.Tests.Core;

public class WebhookDeliveryLogTests
{
    [Test]
    public async Task ListAttemptsAsync_FailedThenSucceeded_RecordsNumberStatusDurationExcerptAndDestinationHealth()
    {
        var time = new FakeTimeProvider(Start);
        var answerTime = TimeSpan.FromMilliseconds(5);
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        receiver.Enqueue(ReceiverResponse.Status(500, "boom"), ReceiverResponse.Ok("fine"));

        // The receiver takes 5 ms of the fake clock to answer: that is each attempt's duration.
        receiver.Responder = _ =>
        {
            time.Advance(answerTime);
            return null;
        };
        await using var host = await WebhookTestHost.StartAsync(o => o.Safety.ResponseExcerptOnSuccess = true, time: time);
        var destination = await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver));
        var deliveryId = (await host.Publisher.PublishAsync(Event())).Deliveries[0].DeliveryId;
        await host.WaitForAttemptsAsync(deliveryId, 1);
        time.Advance(TimeSpan.FromSeconds(10));
        (await host.WaitForFinalAsync(deliveryId)).Status.Should().Be(WebhookDeliveryStatus.Succeeded);

        var attempts = await host.DeliveryLog.ListAttemptsAsync(deliveryId);

        attempts.Select(a => a.Number).Should().Equal(1, 2);
        attempts[0].StatusCode.Should().Be(500);
        attempts[0].Success.Should().BeFalse();
        attempts[0].Error.Should().Contain("500");
        attempts[0].ResponseExcerpt.Should().Be("boom");
        attempts[0].StartedAt.Should().Be(Start);
        attempts[1].StatusCode.Should().Be(200);
        attempts[1].Success.Should().BeTrue();
        attempts[1].Error.Should().BeNull();
        attempts[1].ResponseExcerpt.Should().Be("fine");
        attempts[1].StartedAt.Should().Be(Start + answerTime + TimeSpan.FromSeconds(10));
        attempts.Should().OnlyContain(a => a.Duration == answerTime);
        var health = await host.Destinations.GetAsync(destination.Id);
        health.LastFailureAt.Should().Be(Start + answerTime);
        health.LastSuccessAt.Should().Be(Start + answerTime + TimeSpan.FromSeconds(10) + answerTime);
        health.ConsecutiveFailures.Should().Be(0);
    }

    [Test]
    public async Task ListAttemptsAsync_SuccessByDefault_KeepsTheFailuresExcerptButNotTheSuccesss()
    {
        var time = new FakeTimeProvider(Start);
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        receiver.Enqueue(ReceiverResponse.Status(500, "boom"), ReceiverResponse.Ok("fine"));
        await using var host = await WebhookTestHost.StartAsync(time: time);
        await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver));
        var deliveryId = (await host.Publisher.PublishAsync(Event())).Deliveries[0].DeliveryId;
        await host.WaitForAttemptsAsync(deliveryId, 1);
        time.Advance(TimeSpan.FromSeconds(10));
        (await host.WaitForFinalAsync(deliveryId)).Status.Should().Be(WebhookDeliveryStatus.Succeeded);

        var attempts = await host.DeliveryLog.ListAttemptsAsync(deliveryId);

        attempts.Select(a => (a.Success, a.ResponseExcerpt)).Should().Equal((false, "boom"), (true, (string?)null));
    }

    [Test]
    public async Task ListAttemptsAsync_LongResponse_KeepsABoundedExcerpt()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        receiver.Enqueue(ReceiverResponse.Status(400, new string('e', 10_000)));
        await using var host = await WebhookTestHost.StartAsync(o => o.Safety.ResponseExcerptBytes = 100);
        var destination = await host.Destinations.CreateAsync(new() { Name = "x", Url = receiver.Url().ToString(), RetryCount = 0 });
        var deliveryId = (await host.Publisher.PublishAsync(Event())).Deliveries[0].DeliveryId;
        await host.WaitForFinalAsync(deliveryId);

        var attempt = (await host.DeliveryLog.ListAttemptsAsync(deliveryId)).Should().ContainSingle().Subject;

        attempt.ResponseExcerpt.Should().Be(new string('e', 100));
        _ = destination;
    }

    [Test]
    public async Task ListAsync_ManyDeliveries_NewestFirstAndLimited()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync();
        var destination = await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver));
        var other = await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver, "/other", "other"));
        var ids = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var result = await host.Publisher.EnqueueToAsync(Event(), [destination.Id]);
            ids.Add(result.Deliveries[0].DeliveryId);
            await host.WaitForFinalAsync(ids[^1]);
        }

        await host.Publisher.EnqueueToAsync(Event(), [other.Id]);

        (await host.DeliveryLog.ListAsync(destination.Id)).Select(d => d.Id).Should().Equal(ids[3], ids[2], ids[1], ids[0]);
        (await host.DeliveryLog.ListAsync(destination.Id, limit: 2)).Select(d => d.Id).Should().Equal(ids[3], ids[2]);
        (await host.DeliveryLog.ListAsync(null)).Should().HaveCount(5);
    }

    [Test]
    public async Task RedeliverAsync_DeadLettered_SendsAgainWithNextAttemptNumberAndSameId()
    {
        var observer = new FailedObserver();
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        receiver.Enqueue(ReceiverResponse.Status(500), ReceiverResponse.Status(503));
        await using var host = await WebhookTestHost.StartAsync(o => o.Retry.BaseDelay = TimeSpan.Zero, services: (_, b) => b.AddObserver(observer));
        await host.Destinations.CreateAsync(new() { Name = "x", Url = receiver.Url().ToString(), RetryCount = 1 });
        var published = await host.Publisher.PublishAsync(Event());
        var deliveryId = published.Deliveries[0].DeliveryId;

        var dead = await host.WaitForFinalAsync(deliveryId);
        dead.Status.Should().Be(WebhookDeliveryStatus.Failed);
        dead.AttemptCount.Should().Be(2);
        dead.LastStatusCode.Should().Be(503);
        observer.Failed.Should().ContainSingle().Which.Id.Should().Be(deliveryId);

        await host.DeliveryLog.RedeliverAsync(deliveryId);
        await host.WaitForAttemptsAsync(deliveryId, 3);
        var redelivered = await host.WaitForFinalAsync(deliveryId);

        redelivered.Status.Should().Be(WebhookDeliveryStatus.Succeeded);
        redelivered.AttemptCount.Should().Be(3);
        receiver.Requests.Select(r => r.Header("webhook-attempt")).Should().Equal("1", "2", "3");
        receiver.Requests.Should().OnlyContain(r => r.Header("webhook-id") == published.EventId);
    }

    [Test]
    public async Task RedeliverAsync_PendingOrUnknown_IsRefused()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync(o => o.Dispatcher.Enabled = false);
        await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver));
        var deliveryId = (await host.Publisher.PublishAsync(Event())).Deliveries[0].DeliveryId;

        await FluentActions.Awaiting(() => host.DeliveryLog.RedeliverAsync(deliveryId)).Should().ThrowAsync<InvalidOperationException>().WithMessage("*pending*");
        await FluentActions.Awaiting(() => host.DeliveryLog.RedeliverAsync("dlv_missing")).Should().ThrowAsync<WebhookNotFoundException>();
    }

    [Test]
    public async Task ReplayFailedAsync_Since_RequeuesOnlyFailuresFromThatTimeOn()
    {
        var time = new FakeTimeProvider(Start);
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        receiver.Enqueue(ReceiverResponse.Status(500), ReceiverResponse.Status(500));
        await using var host = await WebhookTestHost.StartAsync(time: time);
        var destination = await host.Destinations.CreateAsync(new() { Name = "x", Url = receiver.Url().ToString(), RetryCount = 0 });
        var early = (await host.Publisher.PublishAsync(Event())).Deliveries[0].DeliveryId;
        (await host.WaitForFinalAsync(early)).Status.Should().Be(WebhookDeliveryStatus.Failed);
        time.Advance(TimeSpan.FromHours(1));
        var late = (await host.Publisher.PublishAsync(Event())).Deliveries[0].DeliveryId;
        (await host.WaitForFinalAsync(late)).Status.Should().Be(WebhookDeliveryStatus.Failed);

        var count = await host.DeliveryLog.ReplayFailedAsync(destination.Id, since: Start + TimeSpan.FromMinutes(30));

        count.Should().Be(1);
        await host.WaitForAttemptsAsync(late, 2);
        (await host.WaitForFinalAsync(late)).Status.Should().Be(WebhookDeliveryStatus.Succeeded);
        (await host.DeliveryLog.GetAsync(early)).Status.Should().Be(WebhookDeliveryStatus.Failed);
        receiver.Requests.Should().HaveCount(3);
        (await host.DeliveryLog.ReplayFailedAsync(destination.Id, since: Start)).Should().Be(1, "only the early one is still failed");
    }

    private sealed class FailedObserver : IWebhookObserver
    {
        public System.Collections.Concurrent.ConcurrentQueue<WebhookDelivery> Failed { get; } = new();

        public ValueTask OnDeliveryFailedAsync(WebhookDelivery delivery, CancellationToken cancellationToken)
        {
            Failed.Enqueue(delivery);
            return ValueTask.CompletedTask;
        }
    }
}
