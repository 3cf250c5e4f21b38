using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using Webhooks.Sdk.Destinations;
using Webhooks.Sdk.Storage;
using Webhooks.Sdk.Testing;
using Webhooks.Sdk.Tests.Support;
using static Webhooks.Sdk.Tests.Engine.EngineTestKit;

namespace Webhooks.Sdk.Tests.Engine;

/// <summary>The per-destination engine state: one object per destination version, evicted on change, delete and idleness.</summary>
public class DestinationMapperTests
{
    [Test]
    public async Task StateCount_AfterTheIdleTimeout_DropsToZero()
    {
        var time = new FakeTimeProvider(Start);
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync(o => o.Dispatcher.DestinationIdleTimeout = TimeSpan.FromMinutes(1), time: time);
        var mapper = host.Services.GetRequiredService<DestinationMapper>();
        for (var i = 0; i < 20; i++)
        {
            await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver, "/d" + i, "d" + i));
        }

        foreach (var d in (await host.Publisher.PublishAsync(Event())).Deliveries)
        {
            (await host.WaitForFinalAsync(d.DeliveryId)).Status.Should().Be(WebhookDeliveryStatus.Succeeded);
        }

        mapper.StateCount.Should().Be(20);

        time.Advance(TimeSpan.FromSeconds(45));
        mapper.StateCount.Should().Be(20, "nothing is idle for a minute yet");

        time.Advance(TimeSpan.FromSeconds(60));
        mapper.StateCount.Should().Be(0);

        // A destination comes back as soon as it is used again.
        (await host.WaitForFinalAsync((await host.Publisher.PublishAsync(Event())).Deliveries[0].DeliveryId)).Status.Should().Be(WebhookDeliveryStatus.Succeeded);
        mapper.StateCount.Should().Be(20);
    }

    [Test]
    public async Task GetState_SettingsChange_BuildsANewStateAndHealthChangeKeepsIt()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync();
        var mapper = host.Services.GetRequiredService<DestinationMapper>();
        var store = host.Services.GetRequiredService<IWebhookStore>();
        var created = await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver));
        var record = (await store.GetDestinationAsync(WebhookTenant.Default, created.Id, CancellationToken.None))!;
        var state = mapper.GetState(record);

        mapper.GetState(record with { ConsecutiveFailures = 3, LastFailureAt = DateTimeOffset.UtcNow }).Should().BeSameAs(state, "health fields do not change the version");
        state.Runtime.Record.ConsecutiveFailures.Should().Be(3);

        await host.Destinations.UpdateAsync(created.Id, new WebhookDestinationUpdate { Name = "renamed" });
        var updated = (await store.GetDestinationAsync(WebhookTenant.Default, created.Id, CancellationToken.None))!;
        mapper.GetState(updated).Should().NotBeSameAs(state);
        mapper.StateCount.Should().Be(1);

        await host.Destinations.DeleteAsync(created.Id);
        mapper.StateCount.Should().Be(0);
    }

    [Test]
    public async Task Memory_TenThousandDestinationsCreatedUsedAndDeleted_StaysFlat()
    {
        await using var receiver = await CountingReceiver.StartAsync();
        // No log capture here: it would keep every line and be measured as growth.
        await using var host = await WebhookTestHost.StartAsync(o => o.MaxDestinationsPerTenant = 1000, services: (s, _) => s.RemoveAll<ILoggerProvider>());
        var store = host.Services.GetRequiredService<IWebhookStore>();
        var mapper = host.Services.GetRequiredService<DestinationMapper>();
        long afterFirstThousand = 0;
        const int Round = 500;
        for (var round = 0; round < 10_000 / Round; round++)
        {
            var ids = new List<string>(Round);
            for (var i = 0; i < Round; i++)
            {
                ids.Add((await host.Destinations.CreateAsync(new WebhookDestinationDefinition { Name = "d", Url = receiver.Url().ToString(), RetryCount = 0 })).Id);
            }

            // Each destination is used (breaker, gate, success throttle built), then deleted.
            foreach (var d in (await host.Publisher.PublishAsync(Event())).Deliveries)
            {
                (await host.WaitForFinalAsync(d.DeliveryId, TimeSpan.FromSeconds(60))).Status.Should().Be(WebhookDeliveryStatus.Succeeded);
            }

            foreach (var id in ids)
            {
                await host.Destinations.DeleteAsync(id);
            }

            // History is the store's business (purged by retention): drop it so only the engine's memory is measured.
            await store.PurgeHistoryAsync(DateTimeOffset.MaxValue, 100_000, CancellationToken.None);
            if ((round + 1) * Round == 1_000)
            {
                afterFirstThousand = GC.GetTotalMemory(forceFullCollection: true);
            }
        }

        var afterAll = GC.GetTotalMemory(forceFullCollection: true);
        mapper.StateCount.Should().Be(0);
        receiver.Count.Should().Be(10_000);
        (afterAll - afterFirstThousand).Should().BeLessThan(5 * 1024 * 1024, $"the heap was {afterFirstThousand:N0} bytes after 1,000 destinations and {afterAll:N0} after 10,000");
    }
}
