using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.CompilerServices;
using FluentAssertions;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using Webhooks.Sdk.Sqlite;
using Webhooks.Sdk.Storage;
using Webhooks.Sdk.Testing;
using Webhooks.Sdk.Tests.Storage;
using Webhooks.Sdk.Tests.Support;
using static Webhooks.Sdk.Tests.Engine.EngineTestKit;

namespace Webhooks.Sdk.Tests.Engine;

/// <summary>
/// The in-process hand-off: deliveries this process enqueues are written already leased to it and handed straight to
/// its workers while the dispatch buffer has room; the rest are written unleased for the lease loop.
/// </summary>
public class HandOffTests
{
    private TempDatabase _files = null!;

    [SetUp]
    public void SetUp() => _files = new TempDatabase();

    [TearDown]
    public void TearDown() => _files.DeleteAll();

    [TestCase("memory")]
    [TestCase("sqlite")]
    public async Task Publish_WorkersIdle_HandsOffWithoutALeaseRoundTrip(string kind)
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        var time = new FakeTimeProvider(Start);
        var (host, store) = await StartAsync(kind, time);
        await using var _ = host;
        await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver));

        var ids = await PublishAndWaitSucceededAsync(host, 5);

        store.WrittenLeased.Should().BeEquivalentTo(ids, "each was written leased to this process at enqueue");
        store.LeasedFromQueue.Should().BeEmpty("handed-off deliveries go straight to the workers, without a lease round trip");
        receiver.Requests.Select(r => r.Header("webhook-id")).Should().OnlyHaveUniqueItems().And.HaveCount(5);
    }

    [TestCase("memory")]
    [TestCase("sqlite")]
    public async Task Publish_BufferFull_WritesUnleasedAndTheLeaseLoopDeliversEachOnce(string kind)
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        using var gate = Hold(receiver, out var arrivals);
        var time = new FakeTimeProvider(Start);
        var (host, store) = await StartAsync(kind, time, o => o.Dispatcher.MaxConcurrency = 1);
        await using var _ = host;
        await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver));

        // The only worker is busy with the first delivery; the second waits in the buffer (its room: one).
        var first = (await host.Publisher.PublishAsync(Event())).DeliveryIds.Single();
        await WebhookTestHost.WaitUntilAsync(() => Task.FromResult(Volatile.Read(ref arrivals.Value) == 1), because: "the first request arrives");
        var second = (await host.Publisher.PublishAsync(Event())).DeliveryIds.Single();
        var rest = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            rest.AddRange((await host.Publisher.PublishAsync(Event())).DeliveryIds);
        }

        store.WrittenLeased.Should().BeEquivalentTo([first, second], "only what the buffer has room for is handed off");
        store.WrittenUnleased.Should().BeEquivalentTo(rest, "with the buffer full, the deliveries are written unleased for any instance to take");

        gate.Set();
        foreach (var id in rest.Prepend(second).Prepend(first))
        {
            (await host.WaitForFinalAsync(id)).Status.Should().Be(WebhookDeliveryStatus.Succeeded);
        }

        store.LeasedFromQueue.Should().BeEquivalentTo(rest, "the lease loop took the ones written unleased");
        receiver.Requests.Select(r => r.Header("webhook-id")).Should().OnlyHaveUniqueItems("each delivery is sent once").And.HaveCount(5);
    }

    [Test]
    public async Task Publish_HandedOffDeliveriesWaitingInTheBuffer_AreRenewedWithTheRunningOnes()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        using var gate = Hold(receiver, out var arrivals);
        var time = new FakeTimeProvider(Start);
        var (host, store) = await StartAsync(
            "memory",
            time,
            o =>
            {
                o.Dispatcher.MaxConcurrency = 1;
                o.Dispatcher.LeaseDuration = TimeSpan.FromSeconds(12);
            });
        await using var _ = host;
        await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver));
        var first = (await host.Publisher.PublishAsync(Event())).DeliveryIds.Single();
        await WebhookTestHost.WaitUntilAsync(() => Task.FromResult(Volatile.Read(ref arrivals.Value) == 1), because: "the first request arrives");
        var second = (await host.Publisher.PublishAsync(Event())).DeliveryIds.Single();
        store.WrittenLeased.Should().BeEquivalentTo([first, second]);

        // A third of the lease: the renewal round, still before the attempts' 5 s timeout (which would free the workers).
        time.Advance(TimeSpan.FromSeconds(4));
        await WebhookTestHost.WaitUntilAsync(() => Task.FromResult(store.Renewed.Contains(second)), because: "the renewal round runs");

        store.Renewed.Should().Contain([first, second], "the lease of the delivery waiting in the buffer is renewed with the running attempt's");
        gate.Set();
        (await host.WaitForFinalAsync(second)).Status.Should().Be(WebhookDeliveryStatus.Succeeded);
        store.LeasedFromQueue.Should().BeEmpty();
    }

    [Test]
    public async Task LeaseLoop_SqliteBatchUnderOneToken_RenewsEveryHeldDelivery()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        using var gate = Hold(receiver, out var arrivals);
        var time = new FakeTimeProvider(Start);
        RecordingStore? recording = null;
        var path = _files.NewPath();
        await using var host = await WebhookTestHost.StartAsync(
            o =>
            {
                o.Secrets.Key = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
                o.Dispatcher.MaxConcurrency = 2;
                o.Dispatcher.LeaseDuration = TimeSpan.FromSeconds(12);
            },
            (services, webhooks) =>
            {
                webhooks.UseSqliteStore(path);
                var factory = services.Last(d => d.ServiceType == typeof(IWebhookStore)).ImplementationFactory!;
                webhooks.UseStore(sp => (recording = RecordingStore.Wrap((IWebhookStore)factory(sp), path, ignoreLease: false)).Proxy);
            },
            time,
            start: false);
        await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver));
        var ids = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            ids.AddRange((await host.Publisher.PublishAsync(Event())).DeliveryIds);
        }

        // Published before the start: nothing handed off; the lease loop leases them in batches (one token per batch).
        await host.Host.StartAsync();
        await WebhookTestHost.WaitUntilAsync(() => Task.FromResult(Volatile.Read(ref arrivals.Value) == 2 && recording!.LeasedFromQueue.Count == 4), because: "two running, two leased ahead");

        // A third of the lease: the renewal round, still before the attempts' 5 s timeout (which would free the workers).
        time.Advance(TimeSpan.FromSeconds(4));
        await WebhookTestHost.WaitUntilAsync(() => Task.FromResult(!recording!.Renewed.IsEmpty), because: "the renewal round runs");

        recording!.Renewed.Should().BeEquivalentTo(ids, "every held delivery is renewed, also those sharing their batch's lease token");
        gate.Set();
    }

    [Test]
    public async Task Stop_HandedOffDeliveryWaitingInTheBuffer_IsHandedBackDueNow()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        using var gate = Hold(receiver, out var arrivals);
        var time = new FakeTimeProvider(Start);
        var (host, store) = await StartAsync("memory", time, o => o.Dispatcher.MaxConcurrency = 1);
        await using var _ = host;
        await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver));
        var first = (await host.Publisher.PublishAsync(Event())).DeliveryIds.Single();
        await WebhookTestHost.WaitUntilAsync(() => Task.FromResult(Volatile.Read(ref arrivals.Value) == 1), because: "the first request arrives");
        var second = (await host.Publisher.PublishAsync(Event())).DeliveryIds.Single();
        store.WrittenLeased.Should().BeEquivalentTo([first, second]);

        await host.Host.StopAsync(TimeSpan.FromSeconds(10));
        gate.Set();

        var leasable = await store.Inner.LeaseDueAsync(new LeaseRequest { MaxCount = 10, Now = time.GetUtcNow(), Duration = TimeSpan.FromSeconds(30) }, default);
        leasable.Select(l => l.Delivery.Id).Should().Contain(second, "on stop, the delivery waiting in the buffer is handed back, due at once, not when its lease expires");
    }

    [Test]
    public async Task Publish_StoreThatLeasesNoneAtEnqueue_DeliversThroughTheLeaseLoopOnce()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        var time = new FakeTimeProvider(Start);
        var (host, store) = await StartAsync("memory", time, ignoreLease: true);
        await using var _ = host;
        await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver));

        var ids = await PublishAndWaitSucceededAsync(host, 3);

        store.WrittenLeased.Should().BeEmpty();
        store.LeasedFromQueue.Should().BeEquivalentTo(ids, "a store that writes no lease at enqueue works as before: the lease loop takes them");
        receiver.Requests.Select(r => r.Header("webhook-id")).Should().OnlyHaveUniqueItems().And.HaveCount(3);
    }

    [Test]
    public async Task Publish_DispatcherDisabled_HandsNothingOff()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        var time = new FakeTimeProvider(Start);
        var (host, store) = await StartAsync("memory", time, o => o.Dispatcher.Enabled = false);
        await using var _ = host;
        await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver));

        var id = (await host.Publisher.PublishAsync(Event())).DeliveryIds.Single();

        store.WrittenLeased.Should().BeEmpty();
        store.WrittenUnleased.Should().Equal(id);
        var leasable = await store.Inner.LeaseDueAsync(new LeaseRequest { MaxCount = 10, Now = time.GetUtcNow(), Duration = TimeSpan.FromSeconds(30) }, default);
        leasable.Select(l => l.Delivery.Id).Should().Equal([id], "another process's dispatcher can take it at once");
    }

    [Test]
    public async Task Publish_InCallerTransaction_IsNeverHandedOff()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        var time = new FakeTimeProvider(Start);
        var (host, store) = await StartAsync("sqlite", time);
        await using var _ = host;
        await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver));

        PublishResult result;
        await using (var connection = new SqliteConnection("Data Source=" + store.Path))
        {
            await connection.OpenAsync();
            using var tx = connection.BeginTransaction();
            result = await host.Publisher.PublishAsync(WebhookEvent.Create("order.created", new { id = "o-1" }), tx);
            store.WrittenLeased.Should().BeEmpty("nothing may be sent before the caller's transaction commits");
            tx.Commit();
        }

        var id = result.Deliveries.Single().DeliveryId;
        await WebhookTestHost.WaitUntilAsync(
            async () =>
            {
                time.Advance(TimeSpan.FromMilliseconds(200));
                return (await host.DeliveryLog.GetAsync(id)).Status == WebhookDeliveryStatus.Succeeded;
            },
            because: "the lease loop's next poll takes the committed delivery");
        store.WrittenUnleased.Should().Equal(id);
        store.LeasedFromQueue.Should().Equal(id);
    }

    private async Task<(WebhookTestHost Host, RecordingStore Store)> StartAsync(string kind, FakeTimeProvider time, Action<WebhooksOptions>? configure = null, bool ignoreLease = false)
    {
        RecordingStore? recording = null;
        var path = kind == "sqlite" ? _files.NewPath() : null;
        var host = await WebhookTestHost.StartAsync(
            o =>
            {
                o.Secrets.Key = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
                configure?.Invoke(o);
            },
            (services, webhooks) =>
            {
                if (path is not null)
                {
                    webhooks.UseSqliteStore(path);
                    var factory = services.Last(d => d.ServiceType == typeof(IWebhookStore)).ImplementationFactory!;
                    webhooks.UseStore(sp => (recording = RecordingStore.Wrap((IWebhookStore)factory(sp), path, ignoreLease)).Proxy);
                }
                else
                {
                    recording = RecordingStore.Wrap(new InMemoryWebhookStore(), null, ignoreLease);
                    services.AddSingleton(recording.Proxy);
                }
            },
            time);
        _ = host.Services.GetRequiredService<IWebhookStore>();
        return (host, recording!);
    }

    /// <summary>Makes the receiver hold every request until the returned gate is set; counts the requests that arrived.</summary>
    /// <summary>Publishes <paramref name="count"/> events one after another and waits until each delivery succeeded.</summary>
    private static async Task<List<string>> PublishAndWaitSucceededAsync(WebhookTestHost host, int count)
    {
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            ids.AddRange((await host.Publisher.PublishAsync(Event())).DeliveryIds);
        }

        foreach (var id in ids)
        {
            (await host.WaitForFinalAsync(id)).Status.Should().Be(WebhookDeliveryStatus.Succeeded);
        }

        return ids;
    }

    private static ManualResetEventSlim Hold(LocalWebhookReceiver receiver, out StrongBox<int> arrivals)
    {
        var gate = new ManualResetEventSlim(false);
        var count = new StrongBox<int>();
        receiver.Responder = _ =>
        {
            Interlocked.Increment(ref count.Value);
            gate.Wait(TimeSpan.FromSeconds(30));
            return null;
        };
        arrivals = count;
        return gate;
    }

    /// <summary>A store that records what was written leased at enqueue, leased from the queue, and renewed.</summary>
    public class RecordingStore : DispatchProxy
    {
        public IWebhookStore Inner { get; private set; } = null!;

        public IWebhookStore Proxy { get; private set; } = null!;

        public string? Path { get; private set; }

        /// <summary>Gets a value indicating whether enqueue ignores the lease, as a store without the hand-off does.</summary>
        public bool IgnoreLease { get; private set; }

        public ConcurrentQueue<string> WrittenLeased { get; } = new();

        public ConcurrentQueue<string> WrittenUnleased { get; } = new();

        public ConcurrentQueue<string> LeasedFromQueue { get; } = new();

        public ConcurrentQueue<string> Renewed { get; } = new();

        /// <summary>The SQLite store's two faces, so the proxy of it keeps the outbox.</summary>
        public interface IOutboxWebhookStore : IWebhookStore, IWebhookOutboxStore;

        public static RecordingStore Wrap(IWebhookStore inner, string? path, bool ignoreLease)
        {
            IWebhookStore proxy = inner is IWebhookOutboxStore ? Create<IOutboxWebhookStore, RecordingStore>() : Create<IWebhookStore, RecordingStore>();
            var self = (RecordingStore)(object)proxy;
            self.Inner = inner;
            self.Proxy = proxy;
            self.Path = path;
            self.IgnoreLease = ignoreLease;
            return self;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            switch (targetMethod!.Name)
            {
                case nameof(IWebhookStore.EnqueueAsync) when args![0] is EnqueueBatch { Deliveries.Count: > 0 } batch:
                    return EnqueueAsync(batch, (CancellationToken)args[1]!);
                case nameof(IWebhookStore.EnqueueLeasedAsync):
                    return EnqueueLeasedAsync((EnqueueBatch)args![0]!, (EnqueueLease)args[1]!, (CancellationToken)args[2]!);
                case nameof(IWebhookStore.LeaseDueAsync):
                    return LeaseAsync((LeaseRequest)args![0]!, (CancellationToken)args[1]!);
                case nameof(IWebhookStore.RenewLeasesAsync):
                    foreach (var lease in ((LeaseRenewal)args![0]!).Leases)
                    {
                        Renewed.Enqueue(lease.DeliveryId);
                    }

                    break;
            }

            try
            {
                return targetMethod.Invoke(Inner, args);
            }
            catch (TargetInvocationException ex) when (ex.InnerException is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex.InnerException);
                throw;
            }
        }

        private async Task EnqueueAsync(EnqueueBatch batch, CancellationToken cancellationToken)
        {
            await Inner.EnqueueAsync(batch, cancellationToken);
            foreach (var d in batch.Deliveries)
            {
                WrittenUnleased.Enqueue(d.Id);
            }
        }

        private async Task<IReadOnlyList<bool>> EnqueueLeasedAsync(EnqueueBatch batch, EnqueueLease lease, CancellationToken cancellationToken)
        {
            IReadOnlyList<bool> leased;
            if (IgnoreLease)
            {
                await Inner.EnqueueAsync(batch, cancellationToken);
                leased = new bool[batch.Deliveries.Count];
            }
            else
            {
                leased = await Inner.EnqueueLeasedAsync(batch, lease, cancellationToken);
            }

            for (var i = 0; i < leased.Count; i++)
            {
                (leased[i] ? WrittenLeased : WrittenUnleased).Enqueue(batch.Deliveries[i].Id);
            }

            return leased;
        }

        private async Task<IReadOnlyList<LeasedDelivery>> LeaseAsync(LeaseRequest request, CancellationToken cancellationToken)
        {
            var leased = await Inner.LeaseDueAsync(request, cancellationToken);
            foreach (var item in leased)
            {
                LeasedFromQueue.Enqueue(item.Delivery.Id);
            }

            return leased;
        }
    }
}
