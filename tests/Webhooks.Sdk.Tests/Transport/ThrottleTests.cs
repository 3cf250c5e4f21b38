using System.Collections.Concurrent;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using Webhooks.Sdk.Testing;
using Webhooks.Sdk.Tests.Diagnostics;
using Webhooks.Sdk.Tests.Support;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace Webhooks.Sdk.Tests.Transport;

/// <summary>429, 502 and 504 slow a destination down; they neither open the breaker nor count toward auto-disable (fake time).</summary>
public class ThrottleTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Test]
    public async Task Publish_ResetsThen429OncePerEvent_AllTenArriveWithin15SecondsOfTheFirst200()
    {
        var time = new FakeTimeProvider(Start);
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        var requests = 0;
        var throttled = new ConcurrentDictionary<string, bool>();
        var arrivals = new ConcurrentQueue<(DateTimeOffset At, int Status)>();
        receiver.Responder = r =>
        {
            if (Interlocked.Increment(ref requests) <= 10)
            {
                arrivals.Enqueue((time.GetUtcNow(), 0));
                return new ReceiverResponse { StatusCode = 200, Abort = true };
            }

            if (throttled.TryAdd(r.Headers["webhook-id"], true))
            {
                arrivals.Enqueue((time.GetUtcNow(), 429));
                return ReceiverResponse.Status(429) with { RetryAfter = "3" };
            }

            arrivals.Enqueue((time.GetUtcNow(), 200));
            return ReceiverResponse.Ok();
        };
        await using var host = await WebhookTestHost.StartAsync(
            o =>
            {
                o.Retry.BaseDelay = TimeSpan.FromSeconds(1);
                o.Retry.MaxDelay = TimeSpan.FromSeconds(5);
                o.Telemetry.IncludeDestinationIdInMetrics = true;
            },
            time: time);
        var health = host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<WebhooksOptions>>().Value.Health;
        health.BreakerFailureRatio.Should().Be(0.5, "the scenario runs with the default breaker");
        health.BreakerMinimumThroughput.Should().Be(10);
        health.BreakerBreakDuration.Should().Be(TimeSpan.FromSeconds(30));
        using var transitions = new MetricCollector<long>(host.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), "Webhooks.Sdk", "webhooks.breaker.transitions");
        var destination = await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver).With(d => d.RetryCount = 10));

        var ids = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            ids.Add((await host.Publisher.PublishAsync(WebhookEvent.Create("order.created", new { i }))).Deliveries[0].DeliveryId);
        }

        var final = await host.DriveAllUntilFinalAsync(time, ids);

        final.Should().OnlyContain(d => d.Status == WebhookDeliveryStatus.Succeeded);
        var seen = arrivals.ToArray();
        var ok = seen.Where(a => a.Status == 200).Select(a => a.At).ToArray();
        ok.Should().HaveCount(10);
        var lastReset = seen.Where(a => a.Status == 0).Max(a => a.At);
        var firstAfterResets = seen.Where(a => a.Status != 0).Min(a => a.At);
        TestContext.Out.WriteLine("arrivals: " + string.Join(", ", seen.Select(a => $"+{(a.At - Start).TotalSeconds}s:{a.Status}")));
        TestContext.Out.WriteLine($"resets end at +{(lastReset - Start).TotalSeconds} s, next request at +{(firstAfterResets - Start).TotalSeconds} s, first 200 at +{(ok.Min() - Start).TotalSeconds} s, last 200 at +{(ok.Max() - Start).TotalSeconds} s (fake time)");
        (firstAfterResets - lastReset).Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(30), "the ten resets open the breaker for its 30 s break, during which nothing is sent");
        (ok.Max() - ok.Min()).Should().BeLessThan(TimeSpan.FromSeconds(15), "once the destination accepts again its backlog drains within the limits it announces");
        transitions.GetMeasurementSnapshot().Select(m => (string)m.Tags["webhooks.breaker.state"]!).Should().Equal(
            ["open", "half_open", "closed"],
            "the half-open probe met a 429, which closes the breaker instead of opening it for another break");
        transitions.GetMeasurementSnapshot().Should().OnlyContain(m => Equals(m.Tags["webhooks.destination.id"], destination.Id));
        var read = await host.Destinations.GetAsync(destination.Id);
        read.Enabled.Should().BeTrue();
    }

    [Test]
    public async Task Publish_OnlyThrottleAnswers_DestinationNeverAutoDisabledAndBreakerNeverOpens()
    {
        var time = new FakeTimeProvider(Start);

        // The script, one answer per request: 429 with Retry-After twice, 502 twice, 504 twice, then 200.
        using var server = Formatting.TicketCorrelationTests.StartServer();
        (int Status, string? RetryAfter)[] script = [(429, "1"), (429, "1"), (502, null), (502, null), (504, null), (504, null)];
        for (var i = 0; i < script.Length; i++)
        {
            var response = Response.Create().WithStatusCode(script[i].Status);
            if (script[i].RetryAfter is { } retryAfter)
            {
                response = response.WithHeader("Retry-After", retryAfter);
            }

            var step = server.Given(Request.Create().WithPath("/hook").UsingPost()).InScenario("throttle");
            step = i == 0 ? step : step.WhenStateIs("s" + i);
            step.WillSetStateTo("s" + (i + 1)).RespondWith(response);
        }

        server.Given(Request.Create().WithPath("/hook").UsingPost()).InScenario("throttle").WhenStateIs("s" + script.Length).RespondWith(Response.Create().WithStatusCode(200));
        await using var host = await WebhookTestHost.StartAsync(
            o =>
            {
                o.Retry.BaseDelay = TimeSpan.FromSeconds(1);
                o.Retry.MaxDelay = TimeSpan.FromSeconds(2);
                o.Health.DisableAfterConsecutiveFailures = 3;
                o.Health.BreakerMinimumThroughput = 2;
                o.Health.BreakerBreakDuration = TimeSpan.FromSeconds(30);
            },
            time: time);
        using var transitions = new MetricCollector<long>(host.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), "Webhooks.Sdk", "webhooks.breaker.transitions");
        var created = await host.Destinations.CreateAsync(new WebhookDestinationDefinition { Name = "throttled", Url = Formatting.TicketCorrelationTests.Base(server) + "/hook", RetryCount = 10 });

        var published = await host.Publisher.PublishAsync(WebhookEvent.Create("order.created", new { n = 1 }));
        var final = await host.DriveAllUntilFinalAsync(time, [published.Deliveries[0].DeliveryId]);

        final[0].Status.Should().Be(WebhookDeliveryStatus.Succeeded);
        final[0].AttemptCount.Should().Be(7);
        server.LogEntries.Select(e => e.ResponseMessage.StatusCode).Should().Equal(429, 429, 502, 502, 504, 504, 200);
        (time.GetUtcNow() - Start).Should().BeLessThan(TimeSpan.FromSeconds(30), "no 30 s break was waited for");
        transitions.GetMeasurementSnapshot().Should().BeEmpty("throttle answers never open the breaker");
        var read = await host.Destinations.GetAsync(created.Id);
        read.Enabled.Should().BeTrue();
        read.ConsecutiveFailures.Should().Be(0);
    }

    [Test]
    public async Task Breaker_ServerErrorsThenRecovery_OpensForItsBreakThenTheProbeClosesIt()
    {
        var time = new FakeTimeProvider(Start);
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        var arrivals = new ConcurrentQueue<DateTimeOffset>();
        var requests = 0;
        receiver.Responder = _ =>
        {
            arrivals.Enqueue(time.GetUtcNow());
            return Interlocked.Increment(ref requests) <= 4 ? ReceiverResponse.Status(500) : ReceiverResponse.Ok();
        };
        await using var host = await WebhookTestHost.StartAsync(
            o =>
            {
                o.Retry.BaseDelay = TimeSpan.FromSeconds(1);
                o.Retry.MaxDelay = TimeSpan.FromSeconds(1);
                o.Health.BreakerMinimumThroughput = 4;
                o.Health.BreakerFailureRatio = 0.5;
                o.Health.BreakerBreakDuration = TimeSpan.FromSeconds(20);
                o.Dispatcher.MaxConcurrencyPerDestination = 1;
            },
            time: time);
        using var transitions = new MetricCollector<long>(host.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), "Webhooks.Sdk", "webhooks.breaker.transitions");
        await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver).With(d => d.RetryCount = 10));
        var ids = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            ids.Add((await host.Publisher.PublishAsync(WebhookEvent.Create("order.created", new { i }))).Deliveries[0].DeliveryId);
        }

        var final = await host.DriveAllUntilFinalAsync(time, ids);

        final.Should().OnlyContain(d => d.Status == WebhookDeliveryStatus.Succeeded && d.AttemptCount == 2, "the postponements during the break used no attempt");
        var times = arrivals.ToArray();
        times.Should().HaveCount(8);
        TestContext.Out.WriteLine("arrivals (s): " + string.Join(", ", times.Select(t => (t - Start).TotalSeconds)));
        (times[4] - times[3]).Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(20), "nothing is sent while the breaker is open");
        (times[7] - times[4]).Should().BeLessThan(TimeSpan.FromSeconds(2), "after the probe succeeds the rest go at once");
        transitions.GetMeasurementSnapshot().Select(m => (string)m.Tags["webhooks.breaker.state"]!).Should().Equal("open", "half_open", "closed");
    }
}
