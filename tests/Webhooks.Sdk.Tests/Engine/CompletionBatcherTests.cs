using System.Collections.Concurrent;
using System.Reflection;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using NUnit.Framework;
using Webhooks.Sdk.Delivery;
using Webhooks.Sdk.Storage;
using Webhooks.Sdk.Testing;
using Webhooks.Sdk.Tests.Support;
using static Webhooks.Sdk.Tests.Engine.EngineTestKit;

namespace Webhooks.Sdk.Tests.Engine;

public class CompletionBatcherTests
{
    [Test]
    public async Task CompleteAsync_OutcomesArrivingWhileAWriteRuns_GoIntoOneStoreCall()
    {
        var gated = GatedStore.Create();
        var leased = await EnqueueAndLeaseAsync(gated.Inner, 10);
        var batcher = new CompletionBatcher(gated.Store, NullLogger<CompletionBatcher>.Instance);
        gated.Hold();

        var first = batcher.CompleteAsync(Success(leased[0]));
        await WebhookTestHost.WaitUntilAsync(() => Task.FromResult(gated.Calls.Count == 1), TimeSpan.FromSeconds(5), "the first write starts");
        var rest = leased.Skip(1).Select(l => batcher.CompleteAsync(Success(l))).ToArray();
        gated.Release();

        (await Task.WhenAll(rest.Prepend(first))).Should().OnlyContain(done => done);
        gated.Calls.Select(c => c.Count).Should().Equal(1, 9);
        (await gated.Inner.GetNextDueTimeAsync(CancellationToken.None)).Should().BeNull("every delivery is final");
    }

    [Test]
    public async Task CompleteAsync_BatchWriteFails_EachCompletionIsTriedAlone()
    {
        var gated = GatedStore.Create();
        var leased = await EnqueueAndLeaseAsync(gated.Inner, 3);
        var batcher = new CompletionBatcher(gated.Store, NullLogger<CompletionBatcher>.Instance);
        gated.Hold();
        var first = batcher.CompleteAsync(Success(leased[0]));
        await WebhookTestHost.WaitUntilAsync(() => Task.FromResult(gated.Calls.Count == 1), TimeSpan.FromSeconds(5), "the first write starts");
        gated.FailBatchesOf = 2;
        var good = batcher.CompleteAsync(Success(leased[1]));
        var alsoGood = batcher.CompleteAsync(Success(leased[2]));
        gated.Release();

        (await Task.WhenAll(first, good, alsoGood)).Should().OnlyContain(done => done);
        gated.Calls.Select(c => c.Count).Should().Equal(1, 2, 1, 1);
    }

    [Test]
    public async Task StopAsync_CompletionsWaitingForTheStore_AreWrittenBeforeStopReturns()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        var gated = GatedStore.Create();
        await using var host = await WebhookTestHost.StartAsync(
            o =>
            {
                o.Secrets.Key = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
                o.Dispatcher.MaxConcurrency = 1;
            },
            (s, _) => s.AddSingleton(gated.Store));
        await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver));
        gated.Hold();

        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.AddRange((await host.Publisher.PublishAsync(Event())).DeliveryIds);
        }

        // One worker, and the first completion is held in the store: every success still freed the worker at once.
        await receiver.WaitForRequestsAsync(5);
        var batcher = host.Services.GetRequiredService<CompletionBatcher>();
        await WebhookTestHost.WaitUntilAsync(() => Task.FromResult(batcher.PendingLeases().Count == 5), TimeSpan.FromSeconds(10), "every outcome waits in the batcher");
        var stopping = host.Host.StopAsync();
        await Task.Delay(300);
        stopping.IsCompleted.Should().BeFalse("the stop waits for the completions still to be written");

        gated.Release();
        await stopping;

        foreach (var id in ids)
        {
            (await gated.Inner.GetDeliveryAsync(WebhookTenant.Default, id, CancellationToken.None))!.Status.Should().Be(WebhookDeliveryStatus.Succeeded);
        }

        gated.Calls.Sum(c => c.Count).Should().Be(5);
        gated.Calls.Count.Should().BeLessThan(5, "the completions that arrived while the first was held went together");
    }

    private static DeliveryCompletion Success(LeasedDelivery leased) => new()
    {
        TenantId = leased.Delivery.TenantId,
        DeliveryId = leased.Delivery.Id,
        LeaseToken = leased.LeaseToken,
        Status = WebhookDeliveryStatus.Succeeded,
        DueAt = Start,
        CompletedAt = Start,
        Attempt = new AttemptRecord { TenantId = leased.Delivery.TenantId, DeliveryId = leased.Delivery.Id, Number = 1, StartedAt = Start, Duration = TimeSpan.FromMilliseconds(1), StatusCode = 200, Success = true },
    };

    private static async Task<IReadOnlyList<LeasedDelivery>> EnqueueAndLeaseAsync(InMemoryWebhookStore store, int count)
    {
        var deliveries = Enumerable.Range(0, count).Select(i => new DeliveryRecord
        {
            TenantId = WebhookTenant.Default,
            Id = "d" + i,
            EventId = "e1",
            EventType = "scan.completed",
            DestinationId = "dest" + i,
            Status = WebhookDeliveryStatus.Pending,
            MaxAttempts = 3,
            CreatedAt = Start,
            DueAt = Start,
        }).ToArray();
        await store.EnqueueAsync(
            new EnqueueBatch
            {
                Event = new StoredEvent { TenantId = WebhookTenant.Default, Id = "e1", Type = "scan.completed", OccurredAt = Start, Json = "{}"u8.ToArray() },
                Deliveries = deliveries,
            },
            CancellationToken.None);
        return await store.LeaseDueAsync(new LeaseRequest { MaxCount = count, Now = Start, Duration = TimeSpan.FromMinutes(1) }, CancellationToken.None);
    }

    /// <summary>An in-memory store whose completion writes can be held, recorded and failed.</summary>
    public class GatedStore : DispatchProxy
    {
        private TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public InMemoryWebhookStore Inner { get; } = new();

        public IWebhookStore Store { get; private set; } = null!;

        public ConcurrentQueue<IReadOnlyList<DeliveryCompletion>> CallLog { get; } = new();

        public IReadOnlyList<IReadOnlyList<DeliveryCompletion>> Calls => CallLog.ToArray();

        /// <summary>Gets or sets a batch size whose writes fail (once each batch).</summary>
        public int FailBatchesOf { get; set; }

        public static GatedStore Create()
        {
            var proxy = Create<IWebhookStore, GatedStore>();
            var self = (GatedStore)(object)proxy;
            self.Store = proxy;
            self._gate.SetResult();
            return self;
        }

        public void Hold() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => _gate.TrySetResult();

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            if (targetMethod!.Name == nameof(IWebhookStore.CompleteAsync))
            {
                return CompleteAsync((IReadOnlyList<DeliveryCompletion>)args![0]!);
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

        private async Task<IReadOnlyList<bool>> CompleteAsync(IReadOnlyList<DeliveryCompletion> completions)
        {
            CallLog.Enqueue(completions.ToArray());
            await _gate.Task;
            if (FailBatchesOf > 1 && completions.Count == FailBatchesOf)
            {
                throw new InvalidOperationException("the store failed");
            }

            return await Inner.CompleteAsync(completions, CancellationToken.None);
        }
    }
}
