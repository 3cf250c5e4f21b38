using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using Webhooks.Sdk.Destinations;
using Webhooks.Sdk.Storage;
using Webhooks.Sdk.Tests.Support;
using static Webhooks.Sdk.Tests.Core.CoreTestKit;

namespace Webhooks.Sdk.Tests.Core;

public class DestinationSnapshotsTests
{
    private static readonly TimeSpan Refresh = TimeSpan.FromSeconds(2);

    [Test]
    public async Task PublishAsync_DestinationChangedByAnotherInstance_SeenWithinRefreshInterval()
    {
        var store = new InMemoryWebhookStore();
        var time = new FakeTimeProvider(Start);
        var key = NewKey();
        await using var first = await StartAsync(store, time, key);
        await using var second = await StartAsync(store, time, key);
        var old = await first.Destinations.CreateAsync(new() { Name = "old", Url = "http://127.0.0.1:9/old" });
        (await second.Publisher.PublishAsync(Event())).Deliveries.Select(d => d.DestinationId).Should().Equal(old.Id);

        var added = await first.Destinations.CreateAsync(new() { Name = "new", Url = "http://127.0.0.1:9/new" });
        await first.Destinations.DisableAsync(old.Id);

        (await first.Publisher.PublishAsync(Event())).Deliveries.Select(d => d.DestinationId).Should().Equal([added.Id], "the instance that made the change routes by it at once");
        (await second.Publisher.PublishAsync(Event())).Deliveries.Select(d => d.DestinationId).Should().Equal([old.Id], "the other instance routes from its snapshot until it is one refresh interval old");
        time.Advance(Refresh - TimeSpan.FromMilliseconds(1));
        (await second.Publisher.PublishAsync(Event())).Deliveries.Select(d => d.DestinationId).Should().Equal(old.Id);

        time.Advance(TimeSpan.FromMilliseconds(1));

        (await second.Publisher.PublishAsync(Event())).Deliveries.Select(d => d.DestinationId).Should().Equal(added.Id);
    }

    [Test]
    public async Task PublishAsync_SteadyState_ReadsNoDestination()
    {
        var store = CountingStore.Create();
        var time = new FakeTimeProvider(Start);
        await using var host = await StartAsync(store.Store, time, NewKey());
        await host.Destinations.CreateAsync(new() { Name = "a", Url = "http://127.0.0.1:9/a" });
        await host.Publisher.PublishAsync(Event());
        var reads = store.EnabledReads;

        for (var i = 0; i < 50; i++)
        {
            (await host.Publisher.PublishAsync(Event())).Deliveries.Should().ContainSingle();
        }

        store.EnabledReads.Should().Be(reads, "publishing routes from the snapshot");
        time.Advance(Refresh);
        await host.Publisher.PublishAsync(Event());
        store.EnabledReads.Should().Be(reads + 1, "one read per refresh interval");
    }

    [Test]
    public async Task PublishAsync_DestinationUpdatedHere_NextPublishUsesTheChange()
    {
        var time = new FakeTimeProvider(Start);
        await using var host = await StartAsync(new InMemoryWebhookStore(), time, NewKey());
        var destination = await host.Destinations.CreateAsync(new() { Name = "a", Url = "http://127.0.0.1:9/a", Subscriptions = ["scan.*"] });
        (await host.Publisher.PublishAsync(Event("user.created"))).Deliveries.Should().BeEmpty();

        await host.Destinations.UpdateAsync(destination.Id, new WebhookDestinationUpdate { Subscriptions = ["user.*"] });

        (await host.Publisher.PublishAsync(Event("user.created"))).Deliveries.Should().ContainSingle();
        await host.Destinations.DeleteAsync(destination.Id);
        (await host.Publisher.PublishAsync(Event("user.created"))).Deliveries.Should().BeEmpty();
    }

    [Test]
    public async Task Invalidate_DuringRead_DoesNotInstallTheOlderRead()
    {
        var store = CountingStore.Create();
        var time = new FakeTimeProvider(Start);
        await using var host = await StartAsync(store.Store, time, NewKey());
        var snapshots = host.Services.GetRequiredService<DestinationSnapshots>();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        store.HoldNextRead = gate.Task;
        var reading = snapshots.GetAsync(WebhookTenant.Default, CancellationToken.None).AsTask();
        await WebhookTestHost.WaitUntilAsync(() => Task.FromResult(store.EnabledReads == 1), TimeSpan.FromSeconds(5), "the read starts");

        await host.Destinations.CreateAsync(new() { Name = "a", Url = "http://127.0.0.1:9/a" });
        gate.SetResult();
        (await reading).All.Should().BeEmpty("the read started before the write");

        (await snapshots.GetAsync(WebhookTenant.Default, CancellationToken.None)).All.Should().ContainSingle("the older read was not kept");
    }

    private static string NewKey() => Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    private static Task<WebhookTestHost> StartAsync(IWebhookStore store, TimeProvider time, string key) => WebhookTestHost.StartAsync(
        o =>
        {
            o.Dispatcher.Enabled = false;
            o.Dispatcher.DestinationRefreshInterval = Refresh;
            o.Secrets.Key = key;
        },
        (s, _) => s.AddSingleton(store),
        time);

    /// <summary>The in-memory store, counting (and optionally holding) the routing reads.</summary>
    public class CountingStore : System.Reflection.DispatchProxy
    {
        private readonly InMemoryWebhookStore _inner = new();
        private int _enabledReads;

        public int EnabledReads => Volatile.Read(ref _enabledReads);

        /// <summary>Gets or sets a task the next routing read waits for before it returns what it read (once).</summary>
        public Task? HoldNextRead { get; set; }

        public IWebhookStore Store { get; private set; } = null!;

        public static CountingStore Create()
        {
            var proxy = Create<IWebhookStore, CountingStore>();
            var self = (CountingStore)(object)proxy;
            self.Store = proxy;
            return self;
        }

        protected override object? Invoke(System.Reflection.MethodInfo? targetMethod, object?[]? args)
        {
            if (targetMethod!.Name == nameof(IWebhookStore.GetEnabledDestinationsAsync))
            {
                return ReadAsync((string)args![0]!);
            }

            try
            {
                return targetMethod.Invoke(_inner, args);
            }
            catch (System.Reflection.TargetInvocationException ex) when (ex.InnerException is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex.InnerException);
                throw;
            }
        }

        private async Task<IReadOnlyList<DestinationRecord>> ReadAsync(string tenantId)
        {
            var hold = HoldNextRead;
            HoldNextRead = null;
            var records = await _inner.GetEnabledDestinationsAsync(tenantId, CancellationToken.None);

            // Counted once read, so a test that waits for the count knows what the read saw.
            Interlocked.Increment(ref _enabledReads);
            if (hold is { } wait)
            {
                await wait;
            }

            return records;
        }
    }
}
