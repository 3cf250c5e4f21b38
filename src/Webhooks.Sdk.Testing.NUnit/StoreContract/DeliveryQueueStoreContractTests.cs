using System.Text;
using FluentAssertions;
using NUnit.Framework;
using Webhooks.Sdk.Storage;

#pragma warning disable CA1707 // Test names follow Member_Scenario_Expectation.
#pragma warning disable CA2007 // Test code runs without a synchronization context.

namespace Webhooks.Sdk.Testing.StoreContract;

/// <summary>The <see cref="IDeliveryQueueStore"/> contract: enqueue, lease, renew, batch completion, ordering keys, next due time, requeue.</summary>
/// <typeparam name="TFactory">Creates the store under test.</typeparam>
public abstract class DeliveryQueueStoreContractTests<TFactory> : StoreContractFixture<TFactory>
    where TFactory : IStoreContractFactory, new()
{
    /// <summary>Checks that enqueue assigns ascending sequences and the delivery reads back.</summary>
    /// <returns>A task.</returns>
    [Test]
    public async Task EnqueueAsync_Batch_AssignsAscendingSequencesAndStoresFields()
    {
        var d1 = Delivery("t1", "e1", "dest", T0) with { OrderingKey = "k", MaxAttempts = 7 };
        var d2 = Delivery("t1", "e1", "dest2", T0);
        await Store.EnqueueAsync(Batch("t1", "e1", d1, d2), default);

        var read1 = await Store.GetDeliveryAsync("t1", d1.Id, default);
        var read2 = await Store.GetDeliveryAsync("t1", d2.Id, default);

        read1.Should().BeEquivalentTo(d1, o => o.Excluding(d => d.Sequence));
        read1!.Sequence.Should().BePositive();
        read2!.Sequence.Should().BeGreaterThan(read1.Sequence);
        (await Store.GetDeliveryAsync("t2", d1.Id, default)).Should().BeNull();
    }

    /// <summary>Checks that a second batch with a known event id keeps the first event and adds the deliveries.</summary>
    /// <returns>A task.</returns>
    [Test]
    public async Task EnqueueAsync_SameEventIdTwice_KeepsFirstEventAndAddsDeliveries()
    {
        await Store.EnqueueAsync(Batch("t1", "e1", Delivery("t1", "e1", "a", T0)), default);
        await Store.EnqueueAsync(Batch("t1", "e1", Delivery("t1", "e1", "b", T0)) with { Event = Event("t1", "e1", "second") }, default);

        var leased = await Store.LeaseDueAsync(LeaseAt(T0, 10), default);

        leased.Should().HaveCount(2);
        leased.Select(l => Encoding.UTF8.GetString(l.Event.Json.ToArray())).Should().AllBe("{\"id\":\"e1\",\"v\":\"first\"}");
        leased[0].Event.Type.Should().Be("thing.happened");
        leased[0].Event.OccurredAt.Should().Be(T0);
    }

    /// <summary>Checks the lease order (due time, then enqueue order), the due-time cut-off and the batch limit.</summary>
    /// <returns>A task.</returns>
    [Test]
    public async Task LeaseDueAsync_MixedDueTimes_LeasesDueInDueThenEnqueueOrderUpToMax()
    {
        var late = Delivery("t1", "e1", "a", T0.AddSeconds(5));
        var early1 = Delivery("t1", "e2", "a", T0.AddSeconds(1));
        var early2 = Delivery("t1", "e3", "a", T0.AddSeconds(1));
        var future = Delivery("t1", "e4", "a", T0.AddSeconds(60));
        await Store.EnqueueAsync(Batch("t1", "e1", late), default);
        await Store.EnqueueAsync(Batch("t1", "e2", early1), default);
        await Store.EnqueueAsync(Batch("t1", "e3", early2), default);
        await Store.EnqueueAsync(Batch("t1", "e4", future), default);

        var first = await Store.LeaseDueAsync(LeaseAt(T0.AddSeconds(10), 2), default);
        var second = await Store.LeaseDueAsync(LeaseAt(T0.AddSeconds(10), 10), default);

        first.Select(l => l.Delivery.Id).Should().Equal(early1.Id, early2.Id);
        second.Select(l => l.Delivery.Id).Should().Equal(late.Id);
        first[0].LeaseExpiresAt.Should().Be(T0.AddSeconds(10) + Lease);
        first[0].LeaseToken.Should().NotBeNullOrEmpty();
        first[0].Delivery.DueAt.Should().Be(T0.AddSeconds(1));
    }

    /// <summary>Checks that a leased delivery is not leased again before its lease expires, and is after.</summary>
    /// <returns>A task.</returns>
    [Test]
    public async Task LeaseDueAsync_LeaseExpires_DeliveryIsLeasedAgainWithNewToken()
    {
        var d = Delivery("t1", "e1", "a", T0);
        await Store.EnqueueAsync(Batch("t1", "e1", d), default);

        var first = await Store.LeaseDueAsync(LeaseAt(T0, 10), default);
        var during = await Store.LeaseDueAsync(LeaseAt(T0 + Lease - TimeSpan.FromSeconds(1), 10), default);
        var after = await Store.LeaseDueAsync(LeaseAt(T0 + Lease + TimeSpan.FromSeconds(1), 10), default);

        first.Should().ContainSingle();
        during.Should().BeEmpty();
        after.Should().ContainSingle().Which.LeaseToken.Should().NotBe(first[0].LeaseToken);
    }

    /// <summary>Checks that completing with a token that was superseded changes nothing but keeps the attempt.</summary>
    /// <returns>A task.</returns>
    [Test]
    public async Task CompleteAsync_StaleLeaseToken_ReturnsFalseAndKeepsStateButRecordsAttempt()
    {
        var d = Delivery("t1", "e1", "a", T0);
        await Store.EnqueueAsync(Batch("t1", "e1", d), default);
        var stale = (await Store.LeaseDueAsync(LeaseAt(T0, 1), default))[0];
        var fresh = (await Store.LeaseDueAsync(LeaseAt(T0 + Lease + TimeSpan.FromSeconds(1), 1), default))[0];

        var staleResult = await Store.CompleteAsync(Succeeded(stale, Attempt(stale, 1, T0.AddSeconds(1))), default);

        staleResult.Should().BeFalse();
        (await Store.GetDeliveryAsync("t1", d.Id, default))!.Status.Should().Be(WebhookDeliveryStatus.Pending);
        (await Store.ListAttemptsAsync("t1", d.Id, default)).Should().ContainSingle();
        (await Store.CompleteAsync(Succeeded(fresh, Attempt(fresh, 2, T0.AddSeconds(70))), default)).Should().BeTrue();
        (await Store.CompleteAsync(Succeeded(fresh, null), default)).Should().BeFalse("the lease was released by the first completion");
    }

    /// <summary>Checks a successful completion: final state, last status and error, attempt history.</summary>
    /// <returns>A task.</returns>
    [Test]
    public async Task CompleteAsync_Success_MakesDeliveryFinalWithLastAttemptFields()
    {
        var d = Delivery("t1", "e1", "a", T0);
        await Store.EnqueueAsync(Batch("t1", "e1", d), default);
        var lease = (await Store.LeaseDueAsync(LeaseAt(T0, 1), default))[0];

        (await Store.CompleteAsync(Succeeded(lease, Attempt(lease, 1, T0.AddSeconds(1)) with { StatusCode = 204, ResponseExcerpt = "done" }), default)).Should().BeTrue();

        var read = await Store.GetDeliveryAsync("t1", d.Id, default);
        read!.Status.Should().Be(WebhookDeliveryStatus.Succeeded);
        read.CompletedAt.Should().Be(T0.AddSeconds(2));
        read.AttemptCount.Should().Be(1);
        read.LastStatusCode.Should().Be(204);
        (await Store.LeaseDueAsync(LeaseAt(T0.AddHours(1), 10), default)).Should().BeEmpty();
        (await Store.GetNextDueTimeAsync(default)).Should().BeNull();
        var attempt = (await Store.ListAttemptsAsync("t1", d.Id, default)).Should().ContainSingle().Subject;
        attempt.Should().BeEquivalentTo(Attempt(lease, 1, T0.AddSeconds(1)) with { StatusCode = 204, ResponseExcerpt = "done" });
    }

    /// <summary>Checks a retry: pending again at the new due time, with attempts listed by number.</summary>
    /// <returns>A task.</returns>
    [Test]
    public async Task CompleteAsync_Reschedule_IsDueAtNewTimeAndAttemptsListByNumber()
    {
        var d = Delivery("t1", "e1", "a", T0);
        await Store.EnqueueAsync(Batch("t1", "e1", d), default);
        var lease1 = (await Store.LeaseDueAsync(LeaseAt(T0, 1), default))[0];
        var failed = Attempt(lease1, 1, T0) with { Success = false, StatusCode = 500, Error = "HTTP 500" };
        await Store.CompleteAsync(new DeliveryCompletion { TenantId = "t1", DeliveryId = d.Id, LeaseToken = lease1.LeaseToken, Attempt = failed, Status = WebhookDeliveryStatus.Pending, DueAt = T0.AddSeconds(30) }, default);

        (await Store.GetNextDueTimeAsync(default)).Should().Be(T0.AddSeconds(30));
        (await Store.LeaseDueAsync(LeaseAt(T0.AddSeconds(29), 1), default)).Should().BeEmpty();
        var lease2 = (await Store.LeaseDueAsync(LeaseAt(T0.AddSeconds(30), 1), default)).Should().ContainSingle().Subject;
        lease2.Delivery.AttemptCount.Should().Be(1);
        lease2.Delivery.LastError.Should().Be("HTTP 500");
        lease2.Delivery.DueAt.Should().Be(T0.AddSeconds(30));
        await Store.CompleteAsync(Succeeded(lease2, Attempt(lease2, 2, T0.AddSeconds(31))), default);

        var attempts = await Store.ListAttemptsAsync("t1", d.Id, default);
        attempts.Select(a => a.Number).Should().Equal(1, 2);
        (await Store.ListAttemptsAsync("t2", d.Id, default)).Should().BeEmpty();
        var read = await Store.GetDeliveryAsync("t1", d.Id, default);
        read!.AttemptCount.Should().Be(2);
        read.LastError.Should().BeNull();
    }

    /// <summary>Checks a reschedule without an attempt (rate limit): no attempt, counters unchanged.</summary>
    /// <returns>A task.</returns>
    [Test]
    public async Task CompleteAsync_PostponeWithoutAttempt_KeepsCountersAndMovesDueTime()
    {
        var d = Delivery("t1", "e1", "a", T0);
        await Store.EnqueueAsync(Batch("t1", "e1", d), default);
        var lease = (await Store.LeaseDueAsync(LeaseAt(T0, 1), default))[0];

        await Store.CompleteAsync(new DeliveryCompletion { TenantId = "t1", DeliveryId = d.Id, LeaseToken = lease.LeaseToken, Status = WebhookDeliveryStatus.Pending, DueAt = T0.AddSeconds(3) }, default);

        var read = await Store.GetDeliveryAsync("t1", d.Id, default);
        read!.AttemptCount.Should().Be(0);
        read.DueAt.Should().Be(T0.AddSeconds(3));
        (await Store.ListAttemptsAsync("t1", d.Id, default)).Should().BeEmpty();
    }

    /// <summary>Checks ordering keys: only the oldest pending delivery of a key and destination is leasable.</summary>
    /// <returns>A task.</returns>
    [Test]
    public async Task LeaseDueAsync_SameOrderingKey_OnlyOldestPendingIsLeasable()
    {
        var k1 = Delivery("t1", "e1", "a", T0) with { OrderingKey = "k" };
        var k2 = Delivery("t1", "e2", "a", T0) with { OrderingKey = "k" };
        var otherDestination = Delivery("t1", "e3", "b", T0) with { OrderingKey = "k" };
        var otherKey = Delivery("t1", "e4", "a", T0) with { OrderingKey = "j" };
        foreach (var (evt, d) in new[] { ("e1", k1), ("e2", k2), ("e3", otherDestination), ("e4", otherKey) })
        {
            await Store.EnqueueAsync(Batch("t1", evt, d), default);
        }

        var first = await Store.LeaseDueAsync(LeaseAt(T0, 10), default);
        first.Select(l => l.Delivery.Id).Should().Equal(k1.Id, otherDestination.Id, otherKey.Id);

        var head = first[0];
        await Store.CompleteAsync(new DeliveryCompletion { TenantId = "t1", DeliveryId = k1.Id, LeaseToken = head.LeaseToken, Status = WebhookDeliveryStatus.Pending, DueAt = T0.AddSeconds(5) }, default);
        (await Store.LeaseDueAsync(LeaseAt(T0.AddSeconds(1), 10), default)).Should().BeEmpty("the head of key k is still pending");

        var again = (await Store.LeaseDueAsync(LeaseAt(T0.AddSeconds(5), 10), default)).Should().ContainSingle().Subject;
        again.Delivery.Id.Should().Be(k1.Id);
        await Store.CompleteAsync(Failed(again, T0.AddSeconds(6)), default);
        (await Store.LeaseDueAsync(LeaseAt(T0.AddSeconds(6), 10), default)).Select(l => l.Delivery.Id).Should().Equal(k2.Id);
    }

    /// <summary>Checks that the next due time counts unleased deliveries and leases that will expire.</summary>
    /// <returns>A task.</returns>
    [Test]
    public async Task GetNextDueTimeAsync_PendingAndLeased_ReturnsEarliestDueOrLeaseExpiry()
    {
        (await Store.GetNextDueTimeAsync(default)).Should().BeNull();
        await Store.EnqueueAsync(Batch("t1", "e1", Delivery("t1", "e1", "a", T0.AddSeconds(10))), default);
        await Store.EnqueueAsync(Batch("t1", "e2", Delivery("t1", "e2", "a", T0.AddMinutes(10))), default);
        (await Store.GetNextDueTimeAsync(default)).Should().Be(T0.AddSeconds(10));

        await Store.LeaseDueAsync(LeaseAt(T0.AddSeconds(10), 1), default);

        (await Store.GetNextDueTimeAsync(default)).Should().Be(T0.AddSeconds(10) + Lease);
    }

    /// <summary>Checks that a final delivery can be requeued once more, due now, and a pending one cannot.</summary>
    /// <returns>A task.</returns>
    [Test]
    public async Task RequeueDeliveryAsync_FinalDelivery_IsPendingAgainWithOneMoreAttempt()
    {
        var d = Delivery("t1", "e1", "a", T0) with { MaxAttempts = 1 };
        await Store.EnqueueAsync(Batch("t1", "e1", d), default);
        (await Store.RequeueDeliveryAsync("t1", d.Id, T0, default)).Should().BeFalse("it is still pending");
        var lease = (await Store.LeaseDueAsync(LeaseAt(T0, 1), default))[0];
        await Store.CompleteAsync(Failed(lease, T0.AddSeconds(1)), default);

        (await Store.RequeueDeliveryAsync("t2", d.Id, T0.AddSeconds(5), default)).Should().BeFalse();
        (await Store.RequeueDeliveryAsync("t1", d.Id, T0.AddSeconds(5), default)).Should().BeTrue();

        var read = await Store.GetDeliveryAsync("t1", d.Id, default);
        read!.Status.Should().Be(WebhookDeliveryStatus.Pending);
        read.MaxAttempts.Should().Be(2);
        read.DueAt.Should().Be(T0.AddSeconds(5));
        read.CompletedAt.Should().BeNull();
        (await Store.LeaseDueAsync(LeaseAt(T0.AddSeconds(5), 1), default)).Should().ContainSingle();
    }

    /// <summary>Checks that replay requeues the failed deliveries of one destination completed since a time.</summary>
    /// <returns>A task.</returns>
    [Test]
    public async Task RequeueFailedAsync_Since_RequeuesOnlyMatchingFailures()
    {
        async Task<string> FinishAsync(string evt, string destination, DateTimeOffset at, bool success)
        {
            var d = Delivery("t1", evt, destination, T0);
            await Store.EnqueueAsync(Batch("t1", evt, d), default);
            var lease = (await Store.LeaseDueAsync(LeaseAt(T0, 1), default))[0];
            await Store.CompleteAsync(success ? Succeeded(lease, null) with { CompletedAt = at } : Failed(lease, at), default);
            return d.Id;
        }

        var old = await FinishAsync("e1", "a", T0.AddSeconds(1), success: false);
        var recent = await FinishAsync("e2", "a", T0.AddSeconds(10), success: false);
        var ok = await FinishAsync("e3", "a", T0.AddSeconds(10), success: true);
        var other = await FinishAsync("e4", "b", T0.AddSeconds(10), success: false);

        var count = await Store.RequeueFailedAsync("t1", "a", T0.AddSeconds(5), T0.AddSeconds(20), default);

        count.Should().Be(1);
        (await Store.GetDeliveryAsync("t1", recent, default))!.Status.Should().Be(WebhookDeliveryStatus.Pending);
        (await Store.GetDeliveryAsync("t1", old, default))!.Status.Should().Be(WebhookDeliveryStatus.Failed);
        (await Store.GetDeliveryAsync("t1", ok, default))!.Status.Should().Be(WebhookDeliveryStatus.Succeeded);
        (await Store.GetDeliveryAsync("t1", other, default))!.Status.Should().Be(WebhookDeliveryStatus.Failed);
    }

    /// <summary>Checks that concurrent leasers never get the same delivery.</summary>
    /// <returns>A task.</returns>
    [Test]
    public async Task LeaseDueAsync_ConcurrentCallers_EachDeliveryLeasedOnce()
    {
        var deliveries = Enumerable.Range(0, 200).Select(i => Delivery("t1", "e", "d" + (i % 7), T0)).ToArray();
        await Store.EnqueueAsync(Batch("t1", "e", deliveries), default);

        var leases = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            var mine = new List<string>();
            while (true)
            {
                var batch = await Store.LeaseDueAsync(LeaseAt(T0, 7), default);
                if (batch.Count == 0)
                {
                    return mine;
                }

                mine.AddRange(batch.Select(l => l.Delivery.Id));
            }
        })));

        var all = leases.SelectMany(l => l).ToList();
        all.Should().OnlyHaveUniqueItems().And.HaveCount(200);
    }

    /// <summary>Checks that the trace context stored with an event comes back with every lease of its deliveries.</summary>
    /// <returns>A task.</returns>
    [Test]
    public async Task EnqueueAsync_TraceContext_RoundTripsThroughLease()
    {
        const string Trace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        await Store.EnqueueAsync(Batch("t1", "e1", Delivery("t1", "e1", "a", T0)) with { Event = Event("t1", "e1", "first") with { TraceContext = Trace } }, default);
        await Store.EnqueueAsync(Batch("t1", "e2", Delivery("t1", "e2", "a", T0)), default);

        var leased = await Store.LeaseDueAsync(LeaseAt(T0, 10), default);

        leased.Single(l => l.Event.Id == "e1").Event.TraceContext.Should().Be(Trace);
        leased.Single(l => l.Event.Id == "e2").Event.TraceContext.Should().BeNull();
    }

    /// <summary>Checks that a batch completion reports each completion's result in order, and a stale one changes nothing.</summary>
    /// <returns>A task.</returns>
    [Test]
    public async Task CompleteAsync_Batch_ReturnsResultPerCompletionInOrder()
    {
        var deliveries = Enumerable.Range(0, 3).Select(i => Delivery("t1", "e", "d" + i, T0)).ToArray();
        await Store.EnqueueAsync(Batch("t1", "e", deliveries), default);
        var leased = await Store.LeaseDueAsync(LeaseAt(T0, 10), default);

        var results = await Store.CompleteAsync(
            [
                Succeeded(leased[0], Attempt(leased[0], 1, T0)),
                Succeeded(leased[1], null) with { LeaseToken = "not-the-token" },
                Failed(leased[2], T0.AddSeconds(1)),
            ],
            default);

        results.Should().Equal(true, false, true);
        (await Store.GetDeliveryAsync("t1", deliveries[0].Id, default))!.Status.Should().Be(WebhookDeliveryStatus.Succeeded);
        (await Store.GetDeliveryAsync("t1", deliveries[1].Id, default))!.Status.Should().Be(WebhookDeliveryStatus.Pending);
        (await Store.GetDeliveryAsync("t1", deliveries[2].Id, default))!.Status.Should().Be(WebhookDeliveryStatus.Failed);
    }

    /// <summary>Checks that renewing a held lease keeps the delivery from being leased by anyone else until the new expiry, and a stale token renews nothing.</summary>
    /// <returns>A task.</returns>
    [Test]
    public async Task RenewLeasesAsync_HeldLease_ExtendsExpiry()
    {
        var d = Delivery("t1", "e1", "a", T0);
        var other = Delivery("t1", "e2", "a", T0);
        await Store.EnqueueAsync(Batch("t1", "e1", d), default);
        await Store.EnqueueAsync(Batch("t1", "e2", other), default);
        var leased = await Store.LeaseDueAsync(LeaseAt(T0, 10), default);
        var mine = leased.Single(l => l.Delivery.Id == d.Id);

        var renewed = await Store.RenewLeasesAsync(
            new LeaseRenewal
            {
                Leases = [new LeaseHandle("t1", d.Id, mine.LeaseToken), new LeaseHandle("t1", other.Id, "not-the-token")],
                Now = T0 + Lease - TimeSpan.FromSeconds(5),
                Duration = Lease,
            },
            default);

        renewed.Should().Equal(new LeaseHandle("t1", d.Id, mine.LeaseToken));
        var afterFirstExpiry = await Store.LeaseDueAsync(LeaseAt(T0 + Lease + TimeSpan.FromSeconds(1), 10), default);
        afterFirstExpiry.Select(l => l.Delivery.Id).Should().Equal(other.Id);
        (await Store.GetNextDueTimeAsync(default)).Should().Be(T0 + Lease - TimeSpan.FromSeconds(5) + Lease);
        (await Store.CompleteAsync(Succeeded(mine, Attempt(mine, 1, T0)), default)).Should().BeTrue("the renewed lease is still held");
        var stolen = afterFirstExpiry[0];
        (await Store.RenewLeasesAsync(new LeaseRenewal { Leases = [new LeaseHandle("t1", other.Id, leased.Single(l => l.Delivery.Id == other.Id).LeaseToken)], Now = T0 + Lease + TimeSpan.FromSeconds(2), Duration = Lease }, default))
            .Should().BeEmpty("another caller holds the lease now");
        stolen.LeaseToken.Should().NotBeNullOrEmpty();
    }

    /// <summary>
    /// Checks poison handling: an attempt that failed before anything was sent (no status code) counts toward the
    /// budget, the delivery dead-letters when it is spent, and the next delivery of its ordering key becomes leasable.
    /// </summary>
    /// <returns>A task.</returns>
    [Test]
    public async Task CompleteAsync_FailureBeforeSending_CountsAndFreesOrderingKey()
    {
        var head = Delivery("t1", "e1", "a", T0) with { OrderingKey = "k", MaxAttempts = 2 };
        var next = Delivery("t1", "e2", "a", T0) with { OrderingKey = "k" };
        await Store.EnqueueAsync(Batch("t1", "e1", head), default);
        await Store.EnqueueAsync(Batch("t1", "e2", next), default);

        for (var n = 1; n <= 2; n++)
        {
            var lease = (await Store.LeaseDueAsync(LeaseAt(T0.AddSeconds(n), 10), default)).Should().ContainSingle().Subject;
            lease.Delivery.Id.Should().Be(head.Id);
            var attempt = new AttemptRecord { TenantId = "t1", DeliveryId = head.Id, Number = n, StartedAt = T0.AddSeconds(n), Duration = TimeSpan.Zero, Success = false, Error = "The URL could not be built." };
            var last = n == 2;
            (await Store.CompleteAsync(
                new DeliveryCompletion { TenantId = "t1", DeliveryId = head.Id, LeaseToken = lease.LeaseToken, Attempt = attempt, Status = last ? WebhookDeliveryStatus.Failed : WebhookDeliveryStatus.Pending, DueAt = T0.AddSeconds(n + 1), CompletedAt = last ? T0.AddSeconds(n) : null },
                default)).Should().BeTrue();
        }

        var dead = await Store.GetDeliveryAsync("t1", head.Id, default);
        dead!.Status.Should().Be(WebhookDeliveryStatus.Failed);
        dead.AttemptCount.Should().Be(2);
        dead.LastStatusCode.Should().BeNull();
        dead.LastError.Should().Be("The URL could not be built.");
        (await Store.LeaseDueAsync(LeaseAt(T0.AddSeconds(3), 10), default)).Should().ContainSingle().Which.Delivery.Id.Should().Be(next.Id);
    }

    /// <summary>
    /// Checks the hand-off rule of <see cref="IDeliveryQueueStore.EnqueueLeasedAsync"/>: a delivery whose ordering key
    /// already has a pending delivery is never written leased (the queue keeps the key's order), whether or not the
    /// store leases other deliveries at enqueue.
    /// </summary>
    /// <returns>A task.</returns>
    [Test]
    public async Task EnqueueLeasedAsync_OrderingKeyWithPendingDelivery_IsNeverLeased()
    {
        var head = Delivery("t1", "e1", "a", T0) with { OrderingKey = "k" };
        await Store.EnqueueAsync(Batch("t1", "e1", head), default);
        var keyed = Delivery("t1", "e2", "a", T0) with { OrderingKey = "k" };
        var free = Delivery("t1", "e2", "b", T0);

        var leased = await Store.EnqueueLeasedAsync(Batch("t1", "e2", keyed, free), HandOff(10), default);

        leased.Should().HaveCount(2);
        leased[0].Should().BeFalse("the key already has a pending delivery ahead of it");
        var fromQueue = (await Store.LeaseDueAsync(LeaseAt(T0, 10), default)).Select(l => l.Delivery.Id).ToList();
        fromQueue.Should().Contain(head.Id).And.NotContain(keyed.Id, "the key's order holds: the head first");
        if (leased[1])
        {
            fromQueue.Should().NotContain(free.Id, "a delivery written leased is held by the enqueuing process");
        }
        else
        {
            fromQueue.Should().Contain(free.Id, "a delivery not written leased is leasable as usual");
        }
    }

    /// <summary>
    /// Checks that deliveries written leased at enqueue are held exactly like leased ones: not leasable until the lease
    /// expires, renewed and completed with the lease's token, due again after expiry; at most MaxCount of them, none
    /// with a caller's transaction. A store that leases none at enqueue passes too (everything is then leasable).
    /// </summary>
    /// <returns>A task.</returns>
    [Test]
    public async Task EnqueueLeasedAsync_LeasedDeliveries_AreHeldUnderTheLeaseUntilCompletedOrExpired()
    {
        var d1 = Delivery("t1", "e1", "a", T0);
        var d2 = Delivery("t1", "e1", "b", T0);
        var d3 = Delivery("t1", "e1", "c", T0);
        var lease = HandOff(2);

        var leased = await Store.EnqueueLeasedAsync(Batch("t1", "e1", d1, d2, d3), lease, default);

        leased.Should().HaveCount(3);
        leased.Count(l => l).Should().BeLessThanOrEqualTo(2, "at most MaxCount are written leased");
        var ids = new[] { d1.Id, d2.Id, d3.Id };
        var held = ids.Where((_, i) => leased[i]).ToList();
        var fromQueue = (await Store.LeaseDueAsync(LeaseAt(T0, 10), default)).Select(l => l.Delivery.Id).ToList();
        fromQueue.Should().BeEquivalentTo(ids.Except(held), "what was written leased is held by the enqueuing process");
        if (held.Count == 0)
        {
            return;
        }

        // Renewed and completed with the enqueue lease's token; the one not completed is due again after expiry.
        var renewAt = T0 + Lease - TimeSpan.FromSeconds(1);
        (await Store.RenewLeasesAsync(new LeaseRenewal { Leases = held.Select(id => new LeaseHandle("t1", id, lease.LeaseToken)).ToArray(), Now = renewAt, Duration = Lease }, default))
            .Select(h => h.DeliveryId).Should().BeEquivalentTo(held);
        (await Store.CompleteAsync([new DeliveryCompletion { TenantId = "t1", DeliveryId = held[0], LeaseToken = lease.LeaseToken, Attempt = new AttemptRecord { TenantId = "t1", DeliveryId = held[0], Number = 1, StartedAt = T0, Duration = TimeSpan.FromMilliseconds(250), StatusCode = 200, Success = true }, Status = WebhookDeliveryStatus.Succeeded, CompletedAt = T0 }], default))
            .Should().Equal(true);
        (await Store.GetDeliveryAsync("t1", held[0], default))!.Status.Should().Be(WebhookDeliveryStatus.Succeeded);
        (await Store.LeaseDueAsync(LeaseAt(renewAt + Lease - TimeSpan.FromSeconds(1), 10), default)).Select(l => l.Delivery.Id).Should().NotContain(held, "the renewed lease still holds");
        var again = await Store.LeaseDueAsync(LeaseAt(renewAt + Lease + TimeSpan.FromSeconds(1), 10), default);
        again.Select(l => l.Delivery.Id).Should().NotContain(held[0], "it was completed");
        foreach (var id in held.Skip(1))
        {
            again.Select(l => l.Delivery.Id).Should().Contain(id, "a lease written at enqueue expires like any other: a crash loses nothing");
        }
    }

    /// <summary>Builds a lease to write at enqueue.</summary>
    /// <param name="max">The most deliveries to write leased.</param>
    /// <returns>The lease.</returns>
    private static EnqueueLease HandOff(int max) => new() { LeaseToken = "handoff-" + Guid.NewGuid().ToString("N"), LeaseExpiresAt = T0 + Lease, MaxCount = max };
}
