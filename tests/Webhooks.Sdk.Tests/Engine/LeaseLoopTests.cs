using System.Collections.Concurrent;
using System.Reflection;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using Webhooks.Sdk.Storage;
using Webhooks.Sdk.Testing;
using Webhooks.Sdk.Tests.Support;
using static Webhooks.Sdk.Tests.Engine.EngineTestKit;

namespace Webhooks.Sdk.Tests.Engine;

public class LeaseLoopTests
{
    [Test]
    public async Task Dispatcher_WorkersBusy_LeasesABatchAheadAndRenewsTheLeasesWaitingInMemory()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        receiver.DefaultResponse = ReceiverResponse.Ok() with { Delay = TimeSpan.FromSeconds(20) };
        var store = RecordingStore.Create();
        var time = new FakeTimeProvider(Start);
        await using var host = await WebhookTestHost.StartAsync(
            o =>
            {
                o.Secrets.Key = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
                o.Dispatcher.MaxConcurrency = 2;
                o.Dispatcher.LeaseDuration = TimeSpan.FromSeconds(12);
            },
            (s, _) => s.AddSingleton(store.Store),
            time,
            start: false);
        // The attempts outlast the renewal at +5 s of the fake clock (the default 5 s attempt timeout would end them at
        // that same moment, freeing the workers to lease more while the renewal runs).
        var destination = WebhookTestHost.Destination(receiver);
        destination.AttemptTimeout = TimeSpan.FromSeconds(30);
        await host.Destinations.CreateAsync(destination);
        var ids = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            ids.AddRange((await host.Publisher.PublishAsync(Event())).DeliveryIds);
        }

        await host.Host.StartAsync();

        // Two workers are busy with a slow receiver; two more deliveries were leased ahead and wait for them.
        await receiver.WaitForRequestsAsync(2);
        await WebhookTestHost.WaitUntilAsync(() => Task.FromResult(store.Leased.Count == 4), TimeSpan.FromSeconds(10), "two running and two leased ahead");
        store.LeaseCalls.Should().NotBeEmpty().And.Contain(c => c >= 2, "a batch per round trip, not one delivery per free slot");
        receiver.Requests.Should().HaveCount(2);

        // A third of the lease: the renewal round, still before the attempts' 5 s timeout (which would free the workers).
        time.Advance(TimeSpan.FromSeconds(4));
        await WebhookTestHost.WaitUntilAsync(() => Task.FromResult(!store.Renewed.IsEmpty), TimeSpan.FromSeconds(10), "the renewal round runs");

        store.Renewed.Should().BeEquivalentTo(store.Leased, "the leases of deliveries waiting in memory are renewed with those of the running attempts");
    }

    /// <summary>The in-memory store, recording leases and renewals.</summary>
    public class RecordingStore : DispatchProxy
    {
        private readonly InMemoryWebhookStore _inner = new();

        public IWebhookStore Store { get; private set; } = null!;

        public ConcurrentBag<string> Leased { get; } = [];

        public ConcurrentQueue<int> LeaseCalls { get; } = new();

        public ConcurrentBag<string> Renewed { get; } = [];

        public static RecordingStore Create()
        {
            var proxy = Create<IWebhookStore, RecordingStore>();
            var self = (RecordingStore)(object)proxy;
            self.Store = proxy;
            return self;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            switch (targetMethod!.Name)
            {
                case nameof(IWebhookStore.LeaseDueAsync):
                    return LeaseAsync((LeaseRequest)args![0]!);
                case nameof(IWebhookStore.RenewLeasesAsync):
                    foreach (var lease in ((LeaseRenewal)args![0]!).Leases)
                    {
                        Renewed.Add(lease.DeliveryId);
                    }

                    break;
            }

            try
            {
                return targetMethod.Invoke(_inner, args);
            }
            catch (TargetInvocationException ex) when (ex.InnerException is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex.InnerException);
                throw;
            }
        }

        private async Task<IReadOnlyList<LeasedDelivery>> LeaseAsync(LeaseRequest request)
        {
            var leased = await _inner.LeaseDueAsync(request, CancellationToken.None);
            if (leased.Count > 0)
            {
                LeaseCalls.Enqueue(leased.Count);
            }

            foreach (var item in leased)
            {
                Leased.Add(item.Delivery.Id);
            }

            return leased;
        }
    }
}
