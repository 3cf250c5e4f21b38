using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using Webhooks.Sdk.Testing;
using Webhooks.Sdk.Tests.Support;
using static Webhooks.Sdk.Tests.Core.CoreTestKit;

namespace Webhooks.Sdk.Tests.Diagnostics;

public class WebhooksHealthCheckTests
{
    [Test]
    public async Task AddWebhooks_DispatcherTurningAndQueueEmpty_IsHealthyWithFigures()
    {
        await using var host = await WebhookTestHost.StartAsync(services: (s, _) => s.AddHealthChecks().AddWebhooks());
        await WaitForFirstTurnAsync(host);

        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        var entry = report.Entries["webhooks"];
        entry.Status.Should().Be(HealthStatus.Healthy);
        entry.Data.Should().Contain("store.reachable", true).And.Contain("deliveries.pending", 0L).And.Contain("deliveries.dead", 0L).And.ContainKey("dispatcher.since_last_turn_seconds");
    }

    [Test]
    public async Task AddWebhooks_OldestDueDeliveryOlderThanThreshold_IsDegraded()
    {
        var time = new FakeTimeProvider(Start);
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync(
            o => o.Dispatcher.Enabled = false,
            (s, _) => s.AddHealthChecks().AddWebhooks(o => o.OldestDueDegradedThreshold = TimeSpan.FromMinutes(5)),
            time);
        await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver));
        await host.Publisher.PublishAsync(Event());
        var health = host.Services.GetRequiredService<HealthCheckService>();

        time.Advance(TimeSpan.FromMinutes(4));
        (await health.CheckHealthAsync()).Status.Should().Be(HealthStatus.Healthy, "4 minutes is within the threshold");
        time.Advance(TimeSpan.FromMinutes(2));
        var report = await health.CheckHealthAsync();

        var entry = report.Entries["webhooks"];
        entry.Status.Should().Be(HealthStatus.Degraded);
        entry.Description.Should().Contain("360 s").And.Contain("threshold 300 s");
        entry.Data.Should().Contain("queue.oldest_due.age_seconds", 360d).And.Contain("deliveries.pending", 1L).And.Contain("dispatcher.enabled", false);
    }

    [Test]
    public async Task AddWebhooks_DispatcherLoopNotTurningWithinThreshold_IsUnhealthy()
    {
        var time = new FakeTimeProvider(Start);
        await using var host = await WebhookTestHost.StartAsync(
            services: (s, _) => s.AddHealthChecks().AddWebhooks(o => o.DispatcherStallThreshold = TimeSpan.FromSeconds(30)),
            time: time,
            start: false);
        var health = host.Services.GetRequiredService<HealthCheckService>();
        host.Services.GetRequiredService<IWebhookQueueStatus>();

        // The host is built but its dispatcher never runs: the loop does not turn.
        time.Advance(TimeSpan.FromSeconds(31));
        var stalled = (await health.CheckHealthAsync()).Entries["webhooks"];
        stalled.Status.Should().Be(HealthStatus.Unhealthy);
        stalled.Description.Should().Contain("has not turned for 31 s (threshold 30 s)");
        stalled.Data.Should().Contain("dispatcher.since_last_turn_seconds", 31d);

        await host.Host.StartAsync();
        await WaitForFirstTurnAsync(host);
        (await health.CheckHealthAsync()).Status.Should().Be(HealthStatus.Healthy, "the loop turned once started");
    }

    [Test]
    public async Task AddWebhooks_StoreUnreachable_IsUnhealthy()
    {
        // A PostgreSQL store on a port where nothing listens: a real store that cannot be reached.
        await using var host = await WebhookTestHost.StartAsync(
            o => o.Secrets.Key = Convert.ToBase64String(new byte[32]),
            (s, b) =>
            {
                b.UsePostgreSqlStore("Host=127.0.0.1;Port=1;Username=nobody;Password=none;Database=none;Timeout=2");
                s.AddHealthChecks().AddWebhooks();
            },
            start: false);

        var entry = (await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync()).Entries["webhooks"];

        entry.Status.Should().Be(HealthStatus.Unhealthy);
        entry.Description.Should().StartWith("The webhook store cannot be reached");
        entry.Exception.Should().NotBeNull();
        entry.Data.Should().Contain("store.reachable", false);
    }

    private static Task WaitForFirstTurnAsync(WebhookTestHost host)
        => WebhookTestHost.WaitUntilAsync(
            async () => (await host.Services.GetRequiredService<IWebhookQueueStatus>().GetSnapshotAsync()).DispatcherLastTurnAt is not null,
            because: "the dispatcher loop turns once started");
}
