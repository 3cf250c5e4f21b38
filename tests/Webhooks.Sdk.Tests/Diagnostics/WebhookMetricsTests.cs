using System.Diagnostics.Metrics;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using Webhooks.Sdk.Testing;
using Webhooks.Sdk.Tests.Support;
using static Webhooks.Sdk.Tests.Core.CoreTestKit;

namespace Webhooks.Sdk.Tests.Diagnostics;

public class WebhookMetricsTests
{
    [Test]
    public async Task Instruments_ScriptedRun_RecordSuccessesFailuresRetriesExhaustedAndDisabled()
    {
        var time = new FakeTimeProvider(Start);
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        receiver.Enqueue("/flaky", ReceiverResponse.Status(503));
        receiver.Enqueue("/dead", ReceiverResponse.Status(500), ReceiverResponse.Status(500));
        receiver.Enqueue("/off", ReceiverResponse.Status(503));
        await using var host = await WebhookTestHost.StartAsync(o => o.Telemetry.QueueStatisticsInterval = TimeSpan.Zero, time: time);
        var meters = host.Services.GetRequiredService<IMeterFactory>();
        using var attempts = new MetricCollector<long>(meters, "Webhooks.Sdk", "messaging.client.sent.messages");
        using var attemptDuration = new MetricCollector<double>(meters, "Webhooks.Sdk", "messaging.client.operation.duration");
        using var deliveryDuration = new MetricCollector<double>(meters, "Webhooks.Sdk", "webhooks.delivery.duration");
        using var published = new MetricCollector<long>(meters, "Webhooks.Sdk", "webhooks.deliveries.published");
        using var succeeded = new MetricCollector<long>(meters, "Webhooks.Sdk", "webhooks.deliveries.succeeded");
        using var exhausted = new MetricCollector<long>(meters, "Webhooks.Sdk", "webhooks.deliveries.exhausted");
        using var redelivered = new MetricCollector<long>(meters, "Webhooks.Sdk", "webhooks.deliveries.redelivered");
        using var pending = new MetricCollector<long>(meters, "Webhooks.Sdk", "webhooks.deliveries.pending");
        using var retrying = new MetricCollector<long>(meters, "Webhooks.Sdk", "webhooks.deliveries.retrying");
        using var dead = new MetricCollector<long>(meters, "Webhooks.Sdk", "webhooks.deliveries.dead");
        using var oldest = new MetricCollector<double>(meters, "Webhooks.Sdk", "webhooks.queue.oldest_due.age");
        var status = host.Services.GetRequiredService<IWebhookQueueStatus>();

        await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver, "/ok", "ok"));
        await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver, "/flaky", "flaky"));
        await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver, "/dead", "dead").With(d => d.RetryCount = 1));
        var off = await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver, "/off", "off").With(d => d.Format = "slack"));
        var ids = (await host.Publisher.PublishAsync(Event("order.created"))).Deliveries.ToDictionary(d => d.DestinationId, d => d.DeliveryId);
        foreach (var id in ids.Values)
        {
            await host.WaitForAttemptsAsync(id, 1);
        }

        await status.GetSnapshotAsync();
        RecordGauges(pending, retrying, dead, oldest);
        pending.LastMeasurement!.Value.Should().Be(0);
        retrying.LastMeasurement!.Value.Should().Be(3, "flaky, dead and off wait for their retry");
        dead.LastMeasurement!.Value.Should().Be(0);
        oldest.LastMeasurement!.Value.Should().Be(0, "the retries are not due yet");

        await host.Destinations.DisableAsync(off.Id, "paused");
        time.Advance(TimeSpan.FromSeconds(10));
        foreach (var id in ids.Values)
        {
            await host.WaitForFinalAsync(id);
        }

        var okDelivery = ids[(await host.Destinations.ListAsync()).Items.Single(d => d.Name == "ok").Id];
        await host.DeliveryLog.RedeliverAsync(okDelivery);
        await host.WaitForAttemptsAsync(okDelivery, 2);
        await WebhookTestHost.WaitUntilAsync(() => Task.FromResult(succeeded.GetMeasurementSnapshot().Count == 3), because: "the redelivery succeeds");

        var sent = attempts.GetMeasurementSnapshot();
        sent.Should().HaveCount(7).And.OnlyContain(m => m.Value == 1);
        sent.Should().OnlyContain(m => Equals(m.Tags["messaging.system"], "webhooks") && Equals(m.Tags["messaging.operation.name"], "send"));
        sent.Count(m => Equals(m.Tags["webhooks.attempt.outcome"], "success")).Should().Be(3);
        sent.Count(m => Equals(m.Tags["webhooks.attempt.outcome"], "retry")).Should().Be(3);
        sent.Count(m => Equals(m.Tags["webhooks.attempt.outcome"], "exhausted")).Should().Be(1);
        sent.Where(m => Equals(m.Tags["webhooks.attempt.outcome"], "success")).Should().OnlyContain(m => Equals(m.Tags["webhooks.http.status_class"], "2xx") && !m.Tags.ContainsKey("error.type"));
        sent.Where(m => !Equals(m.Tags["webhooks.attempt.outcome"], "success")).Select(m => m.Tags["error.type"]).Should().BeEquivalentTo(new[] { "503", "500", "500", "503" });
        sent.Count(m => Equals(m.Tags["webhooks.destination.format"], "slack")).Should().Be(1);
        sent.Should().OnlyContain(m => !m.Tags.ContainsKey("webhooks.destination.id"), "the destination id is a tag only on opt-in");
        attemptDuration.GetMeasurementSnapshot().Should().HaveCount(7).And.OnlyContain(m => m.Value >= 0 && m.Value < 10);
        attemptDuration.Instrument!.Unit.Should().Be("s");

        published.GetMeasurementSnapshot().Sum(m => m.Value).Should().Be(4);
        succeeded.GetMeasurementSnapshot().Sum(m => m.Value).Should().Be(3);
        deliveryDuration.GetMeasurementSnapshot().Select(m => m.Value).Should().BeEquivalentTo(new[] { 0d, 10d, 10d }, "ok at once, flaky after its 10 s retry, the redelivery 10 s after publish");
        exhausted.GetMeasurementSnapshot().Select(m => (string)m.Tags["webhooks.dead_letter.reason"]!).Should().BeEquivalentTo("attempts_exhausted", "destination_disabled");
        redelivered.GetMeasurementSnapshot().Sum(m => m.Value).Should().Be(1);

        await status.GetSnapshotAsync();
        RecordGauges(pending, retrying, dead, oldest);
        pending.LastMeasurement!.Value.Should().Be(0);
        retrying.LastMeasurement!.Value.Should().Be(0);
        dead.LastMeasurement!.Value.Should().Be(2, "dead exhausted its retries and off was disabled");
    }

    [Test]
    public async Task OldestDueAge_DispatcherNotSending_GrowsWithTheClock()
    {
        var time = new FakeTimeProvider(Start);
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync(o => o.Dispatcher.Enabled = false, time: time);
        using var oldest = new MetricCollector<double>(host.Services.GetRequiredService<IMeterFactory>(), "Webhooks.Sdk", "webhooks.queue.oldest_due.age");
        using var pending = new MetricCollector<long>(host.Services.GetRequiredService<IMeterFactory>(), "Webhooks.Sdk", "webhooks.deliveries.pending");
        await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver));
        await host.Publisher.PublishAsync(Event());
        time.Advance(TimeSpan.FromSeconds(90));

        await host.Services.GetRequiredService<IWebhookQueueStatus>().GetSnapshotAsync();
        oldest.RecordObservableInstruments();
        pending.RecordObservableInstruments();

        oldest.LastMeasurement!.Value.Should().Be(90);
        oldest.Instrument!.Unit.Should().Be("s");
        pending.LastMeasurement!.Value.Should().Be(1);
    }

    [Test]
    public async Task Breaker_OpensAfterFailures_CountsTheTransitionAndThePostponement()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        receiver.DefaultResponse = ReceiverResponse.Status(500);
        await using var host = await WebhookTestHost.StartAsync(o =>
        {
            o.Health.BreakerMinimumThroughput = 2;
            o.Health.BreakerFailureRatio = 0.5;
            o.Telemetry.IncludeDestinationIdInMetrics = true;
        });
        var meters = host.Services.GetRequiredService<IMeterFactory>();
        using var transitions = new MetricCollector<long>(meters, "Webhooks.Sdk", "webhooks.breaker.transitions");
        using var postponed = new MetricCollector<long>(meters, "Webhooks.Sdk", "webhooks.deliveries.postponed");
        using var attempts = new MetricCollector<long>(meters, "Webhooks.Sdk", "messaging.client.sent.messages");
        var destination = await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver).With(d => d.RetryCount = 0));
        for (var i = 0; i < 2; i++)
        {
            var id = (await host.Publisher.PublishAsync(Event())).Deliveries[0].DeliveryId;
            await host.WaitForFinalAsync(id);
        }

        await host.Publisher.PublishAsync(Event());
        await WebhookTestHost.WaitUntilAsync(() => Task.FromResult(postponed.GetMeasurementSnapshot().Count > 0), because: "the open breaker postpones the third delivery");

        transitions.GetMeasurementSnapshot().Should().ContainSingle().Which.Tags.Should().Contain("webhooks.breaker.state", "open").And.Contain("webhooks.destination.id", destination.Id);
        postponed.GetMeasurementSnapshot()[0].Tags.Should().Contain("webhooks.postpone.reason", "circuit_open");
        attempts.GetMeasurementSnapshot().Should().HaveCount(2).And.OnlyContain(m => Equals(m.Tags["webhooks.destination.id"], destination.Id));
    }

    [Test]
    public async Task RateLimit_TokenBucketEmpty_CountsAPostponement()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync();
        using var postponed = new MetricCollector<long>(host.Services.GetRequiredService<IMeterFactory>(), "Webhooks.Sdk", "webhooks.deliveries.postponed");
        await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver).With(d => d.RateLimit = new WebhookRateLimit(PerSecond: 0.1, Burst: 1)));

        await host.Publisher.PublishAsync(Event());
        await host.Publisher.PublishAsync(Event());
        await WebhookTestHost.WaitUntilAsync(() => Task.FromResult(postponed.GetMeasurementSnapshot().Count > 0), because: "the second delivery meets an empty bucket");

        postponed.GetMeasurementSnapshot()[0].Tags.Should().Contain("webhooks.postpone.reason", "rate_limit").And.Contain("webhooks.destination.format", "json");
    }

    private static void RecordGauges(params object[] collectors)
    {
        foreach (var collector in collectors)
        {
            switch (collector)
            {
                case MetricCollector<long> l:
                    l.RecordObservableInstruments();
                    break;
                case MetricCollector<double> d:
                    d.RecordObservableInstruments();
                    break;
            }
        }
    }
}
