using System.Text;
using FluentAssertions;
using NUnit.Framework;
using Webhooks.Sdk.Storage;

#pragma warning disable CA1707 // Test names follow Member_Scenario_Expectation.
#pragma warning disable CA2007 // Test code runs without a synchronization context.
#pragma warning disable CA1062 // Arguments of the protected helpers are the fixture's own.

namespace Webhooks.Sdk.Testing.StoreContract;

/// <summary>
/// The contract every <see cref="IWebhookStore"/> passes. Derive from it in one line, return a new, empty store from
/// <see cref="CreateStoreAsync"/> and release it in <see cref="DisposeStoreAsync"/>. Every test uses explicit times
/// (whole seconds, so stores that keep microseconds compare equal), never the clock.
/// </summary>
public abstract class WebhookStoreContractTests
{
    /// <summary>The time the tests start from.</summary>
    protected static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(1);
    private int _ids;

    /// <summary>Gets the store of the running test.</summary>
    protected IWebhookStore Store { get; private set; } = null!;

    /// <summary>Creates the store before each test.</summary>
    /// <returns>A task.</returns>
    [SetUp]
    public async Task SetUpStoreAsync() => Store = await CreateStoreAsync();

    /// <summary>Releases the store after each test.</summary>
    /// <returns>A task.</returns>
    [TearDown]
    public async Task TearDownStoreAsync()
    {
        if (Store is not null)
        {
            var store = Store;
            Store = null!;
            await DisposeStoreAsync(store);
        }
    }

    /// <summary>Checks that an inserted destination reads back field by field.</summary>
    /// <returns>A task.</returns>
    [Test]
    public async Task InsertDestinationAsync_ThenGet_ReturnsEveryField()
    {
        var d = Destination("t1", "d1", T0) with { ProtectedAuth = "secret-blob", LastSuccessAt = T0.AddSeconds(1), LastFailureAt = T0.AddSeconds(2), ConsecutiveFailures = 3, DisabledReason = "why", Enabled = false };
        await Store.InsertDestinationAsync(d, default);

        var read = await Store.GetDestinationAsync("t1", "d1", default);

        read.Should().BeEquivalentTo(d);
    }

    /// <summary>Checks that a duplicate id in one tenant is refused.</summary>
    /// <returns>A task.</returns>
    [Test]
    public async Task InsertDestinationAsync_DuplicateId_Throws()
    {
        await Store.InsertDestinationAsync(Destination("t1", "d1", T0), default);

        var act = () => Store.InsertDestinationAsync(Destination("t1", "d1", T0), default);

        await act.Should().ThrowAsync<InvalidOperationException>();
    }

    /// <summary>Checks that concurrent writes are independent: a duplicate fails alone, the others are stored.</summary>
    /// <returns>A task.</returns>
    [Test]
    public async Task InsertDestinationAsync_ConcurrentWithOneDuplicate_OnlyTheDuplicateFails()
    {
        await Store.InsertDestinationAsync(Destination("t1", "d7", T0), default);

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(async () =>
        {
            try
            {
                await Store.InsertDestinationAsync(Destination("t1", "d" + i, T0.AddSeconds(i)), default);
                return null;
            }
            catch (InvalidOperationException ex)
            {
                return ex;
            }
        })));

        results.Count(r => r is not null).Should().Be(1);
        results[7].Should().NotBeNull();
        (await Store.CountDestinationsAsync("t1", default)).Should().Be(20);
    }

    /// <summary>Checks that nothing of one tenant is visible through another.</summary>
    /// <returns>A task.</returns>
    [Test]
    public async Task Destinations_OtherTenant_AreInvisible()
    {
        await Store.InsertDestinationAsync(Destination("t1", "d1", T0), default);
        await Store.InsertDestinationAsync(Destination("t2", "d1", T0) with { Name = "other" }, default);

        (await Store.GetDestinationAsync("t3", "d1", default)).Should().BeNull();
        (await Store.GetDestinationAsync("t2", "d1", default))!.Name.Should().Be("other");
        (await Store.CountDestinationsAsync("t1", default)).Should().Be(1);
        (await Store.ListDestinationsAsync("t3", 0, 10, default)).Should().BeEmpty();
        (await Store.GetEnabledDestinationsAsync("t3", default)).Should().BeEmpty();
        (await Store.DeleteDestinationAsync("t3", "d1", default)).Should().BeFalse();
    }

    /// <summary>Checks the list order (created time, then id, descending) and paging.</summary>
    /// <returns>A task.</returns>
    [Test]
    public async Task ListDestinationsAsync_Pages_NewestFirstThenIdDescending()
    {
        await Store.InsertDestinationAsync(Destination("t1", "a", T0), default);
        await Store.InsertDestinationAsync(Destination("t1", "b", T0.AddSeconds(2)), default);
        await Store.InsertDestinationAsync(Destination("t1", "c", T0.AddSeconds(1)), default);
        await Store.InsertDestinationAsync(Destination("t1", "d", T0.AddSeconds(1)), default);

        var first = await Store.ListDestinationsAsync("t1", 0, 3, default);
        var second = await Store.ListDestinationsAsync("t1", 3, 3, default);

        first.Select(d => d.Id).Should().Equal("b", "d", "c");
        second.Select(d => d.Id).Should().Equal("a");
    }

    /// <summary>Checks that only enabled destinations are returned for routing.</summary>
    /// <returns>A task.</returns>
    [Test]
    public async Task GetEnabledDestinationsAsync_DisabledOne_IsLeftOut()
    {
        await Store.InsertDestinationAsync(Destination("t1", "on", T0), default);
        await Store.InsertDestinationAsync(Destination("t1", "off", T0) with { Enabled = false }, default);

        var enabled = await Store.GetEnabledDestinationsAsync("t1", default);

        enabled.Select(d => d.Id).Should().Equal("on");
    }

    /// <summary>Checks which fields an update replaces and which it keeps.</summary>
    /// <returns>A task.</returns>
    [Test]
    public async Task UpdateDestinationAsync_ReplacesSettings_KeepsCreatedAndLastTimes()
    {
        var original = Destination("t1", "d1", T0) with { LastSuccessAt = T0.AddSeconds(5), LastFailureAt = T0.AddSeconds(6) };
        await Store.InsertDestinationAsync(original, default);
        var update = original with
        {
            Name = "renamed",
            Enabled = false,
            ConfigJson = "{\"v\":2}",
            ProtectedAuth = "new-auth",
            UpdatedAt = T0.AddSeconds(10),
            ConsecutiveFailures = 0,
            DisabledReason = "by hand",
            CreatedAt = T0.AddDays(1),
            LastSuccessAt = null,
            LastFailureAt = null,
        };

        (await Store.UpdateDestinationAsync(update, default)).Should().BeTrue();
        (await Store.UpdateDestinationAsync(update with { Id = "missing" }, default)).Should().BeFalse();

        var read = await Store.GetDestinationAsync("t1", "d1", default);
        read.Should().BeEquivalentTo(update with { CreatedAt = T0, LastSuccessAt = T0.AddSeconds(5), LastFailureAt = T0.AddSeconds(6) });
    }

    /// <summary>Checks the health rule: failures count up and disable at the threshold once; success resets.</summary>
    /// <returns>A task.</returns>
    [Test]
    public async Task RecordDestinationOutcomeAsync_FailuresReachThreshold_DisablesOnce()
    {
        await Store.InsertDestinationAsync(Destination("t1", "d1", T0), default);
        DestinationOutcome Failure(int s) => new() { TenantId = "t1", DestinationId = "d1", At = T0.AddSeconds(s), Success = false, DisableAfterConsecutiveFailures = 2 };

        var first = await Store.RecordDestinationOutcomeAsync(Failure(1), default);
        var second = await Store.RecordDestinationOutcomeAsync(Failure(2), default);
        var third = await Store.RecordDestinationOutcomeAsync(Failure(3), default);

        first!.JustDisabled.Should().BeFalse();
        first.Destination.ConsecutiveFailures.Should().Be(1);
        second!.JustDisabled.Should().BeTrue();
        second.Destination.Enabled.Should().BeFalse();
        second.Destination.DisabledReason.Should().Be(DestinationHealth.DisabledReasonForFailures(2));
        third!.JustDisabled.Should().BeFalse();
        var stored = await Store.GetDestinationAsync("t1", "d1", default);
        stored!.ConsecutiveFailures.Should().Be(3);
        stored.LastFailureAt.Should().Be(T0.AddSeconds(3));
        stored.UpdatedAt.Should().Be(T0.AddSeconds(2));
        stored.Enabled.Should().BeFalse();
    }

    /// <summary>Checks that a success resets the counter and a "disable now" reason disables at once.</summary>
    /// <returns>A task.</returns>
    [Test]
    public async Task RecordDestinationOutcomeAsync_SuccessThenDisableNow_ResetsThenDisables()
    {
        await Store.InsertDestinationAsync(Destination("t1", "d1", T0) with { ConsecutiveFailures = 4 }, default);

        var ok = await Store.RecordDestinationOutcomeAsync(new() { TenantId = "t1", DestinationId = "d1", At = T0.AddSeconds(1), Success = true }, default);
        var gone = await Store.RecordDestinationOutcomeAsync(new() { TenantId = "t1", DestinationId = "d1", At = T0.AddSeconds(2), Success = false, DisableNowReason = "410 Gone" }, default);
        var missing = await Store.RecordDestinationOutcomeAsync(new() { TenantId = "t1", DestinationId = "nope", At = T0, Success = true }, default);

        ok!.Destination.ConsecutiveFailures.Should().Be(0);
        ok.Destination.LastSuccessAt.Should().Be(T0.AddSeconds(1));
        gone!.JustDisabled.Should().BeTrue();
        (await Store.GetDestinationAsync("t1", "d1", default))!.DisabledReason.Should().Be("410 Gone");
        missing.Should().BeNull();
    }

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
        (await Store.GetDeliveryAsync("t1", d.Id, default))!.Status.Should().Be(DeliveryStatus.Pending);
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
        read!.Status.Should().Be(DeliveryStatus.Succeeded);
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
        await Store.CompleteAsync(new DeliveryCompletion { TenantId = "t1", DeliveryId = d.Id, LeaseToken = lease1.LeaseToken, Attempt = failed, Status = DeliveryStatus.Pending, DueAt = T0.AddSeconds(30) }, default);

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

        await Store.CompleteAsync(new DeliveryCompletion { TenantId = "t1", DeliveryId = d.Id, LeaseToken = lease.LeaseToken, Status = DeliveryStatus.Pending, DueAt = T0.AddSeconds(3) }, default);

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
        await Store.CompleteAsync(new DeliveryCompletion { TenantId = "t1", DeliveryId = k1.Id, LeaseToken = head.LeaseToken, Status = DeliveryStatus.Pending, DueAt = T0.AddSeconds(5) }, default);
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

    /// <summary>Checks delivery listing: newest first, filters, and paging by sequence.</summary>
    /// <returns>A task.</returns>
    [Test]
    public async Task ListDeliveriesAsync_FiltersAndPages_NewestFirst()
    {
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var d = Delivery("t1", "e" + i, i % 2 == 0 ? "a" : "b", T0);
            ids.Add(d.Id);
            await Store.EnqueueAsync(Batch("t1", "e" + i, d), default);
        }

        await Store.EnqueueAsync(Batch("t2", "x", Delivery("t2", "x", "a", T0)), default);

        var page1 = await Store.ListDeliveriesAsync(new DeliveryQuery { TenantId = "t1", Limit = 2 }, default);
        var page2 = await Store.ListDeliveriesAsync(new DeliveryQuery { TenantId = "t1", Limit = 10, BeforeSequence = page1[^1].Sequence }, default);
        var onlyA = await Store.ListDeliveriesAsync(new DeliveryQuery { TenantId = "t1", DestinationId = "a" }, default);
        var succeeded = await Store.ListDeliveriesAsync(new DeliveryQuery { TenantId = "t1", Status = DeliveryStatus.Succeeded }, default);

        page1.Select(d => d.Id).Should().Equal(ids[4], ids[3]);
        page2.Select(d => d.Id).Should().Equal(ids[2], ids[1], ids[0]);
        onlyA.Select(d => d.Id).Should().Equal(ids[4], ids[2], ids[0]);
        succeeded.Should().BeEmpty();
    }

    /// <summary>Checks that a test delivery is stored final with its attempt and is never leased.</summary>
    /// <returns>A task.</returns>
    [Test]
    public async Task RecordTestDeliveryAsync_StoresFinalDeliveryAndAttempt_NotLeasable()
    {
        var d = Delivery("t1", "test-1", "a", T0) with { Status = DeliveryStatus.Succeeded, IsTest = true, AttemptCount = 1, CompletedAt = T0.AddSeconds(1), LastStatusCode = 200 };
        var attempt = new AttemptRecord { TenantId = "t1", DeliveryId = d.Id, Number = 1, StartedAt = T0, Duration = TimeSpan.FromMilliseconds(12), StatusCode = 200, Success = true };

        await Store.RecordTestDeliveryAsync(Event("t1", "test-1", "first"), d, attempt, default);

        (await Store.GetDeliveryAsync("t1", d.Id, default)).Should().BeEquivalentTo(d, o => o.Excluding(x => x.Sequence));
        (await Store.ListAttemptsAsync("t1", d.Id, default)).Should().ContainSingle().Which.Should().BeEquivalentTo(attempt);
        (await Store.LeaseDueAsync(LeaseAt(T0.AddHours(1), 10), default)).Should().BeEmpty();
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
        read!.Status.Should().Be(DeliveryStatus.Pending);
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
        (await Store.GetDeliveryAsync("t1", recent, default))!.Status.Should().Be(DeliveryStatus.Pending);
        (await Store.GetDeliveryAsync("t1", old, default))!.Status.Should().Be(DeliveryStatus.Failed);
        (await Store.GetDeliveryAsync("t1", ok, default))!.Status.Should().Be(DeliveryStatus.Succeeded);
        (await Store.GetDeliveryAsync("t1", other, default))!.Status.Should().Be(DeliveryStatus.Failed);
    }

    /// <summary>Checks that deleting a destination removes its pending deliveries and correlation ids, keeps final ones.</summary>
    /// <returns>A task.</returns>
    [Test]
    public async Task DeleteDestinationAsync_RemovesPendingAndCorrelation_KeepsFinalHistory()
    {
        await Store.InsertDestinationAsync(Destination("t1", "a", T0), default);
        var final = Delivery("t1", "e1", "a", T0);
        await Store.EnqueueAsync(Batch("t1", "e1", final), default);
        var lease = (await Store.LeaseDueAsync(LeaseAt(T0, 1), default))[0];
        await Store.CompleteAsync(Succeeded(lease, null), default);
        var pending = Delivery("t1", "e2", "a", T0.AddSeconds(100));
        await Store.EnqueueAsync(Batch("t1", "e2", pending), default);
        await Store.SetCorrelationIdAsync("t1", "a", "key", "ITEM-1", default);

        (await Store.DeleteDestinationAsync("t1", "a", default)).Should().BeTrue();

        (await Store.GetDestinationAsync("t1", "a", default)).Should().BeNull();
        (await Store.GetDeliveryAsync("t1", pending.Id, default)).Should().BeNull();
        (await Store.GetDeliveryAsync("t1", final.Id, default)).Should().NotBeNull();
        (await Store.GetCorrelationIdAsync("t1", "a", "key", default)).Should().BeNull();
        (await Store.GetNextDueTimeAsync(default)).Should().BeNull();
        (await Store.DeleteDestinationAsync("t1", "a", default)).Should().BeFalse();
    }

    /// <summary>Checks correlation ids: set, replace, scoped by tenant and destination.</summary>
    /// <returns>A task.</returns>
    [Test]
    public async Task SetCorrelationIdAsync_SetThenReplace_ScopedByTenantAndDestination()
    {
        await Store.SetCorrelationIdAsync("t1", "a", "incident-7", "JIRA-1", default);
        await Store.SetCorrelationIdAsync("t1", "a", "incident-7", "JIRA-2", default);

        (await Store.GetCorrelationIdAsync("t1", "a", "incident-7", default)).Should().Be("JIRA-2");
        (await Store.GetCorrelationIdAsync("t1", "b", "incident-7", default)).Should().BeNull();
        (await Store.GetCorrelationIdAsync("t2", "a", "incident-7", default)).Should().BeNull();
    }

    /// <summary>Checks the purge: old final deliveries go in batches, with attempts and orphaned events; pending ones stay.</summary>
    /// <returns>A task.</returns>
    [Test]
    public async Task PurgeHistoryAsync_OldFinalDeliveries_DeletedInBatchesWithAttempts()
    {
        var finals = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var d = Delivery("t1", "old" + i, "a", T0);
            finals.Add(d.Id);
            await Store.EnqueueAsync(Batch("t1", "old" + i, d), default);
            var lease = (await Store.LeaseDueAsync(LeaseAt(T0, 1), default))[0];
            await Store.CompleteAsync(Succeeded(lease, Attempt(lease, 1, T0)) with { CompletedAt = T0.AddSeconds(i) }, default);
        }

        var pending = Delivery("t1", "old0", "b", T0.AddDays(5));
        await Store.EnqueueAsync(Batch("t1", "old0", pending), default);

        (await Store.PurgeHistoryAsync(T0.AddSeconds(2), 1, default)).Should().Be(1);
        (await Store.PurgeHistoryAsync(T0.AddSeconds(2), 10, default)).Should().Be(1);
        (await Store.PurgeHistoryAsync(T0.AddSeconds(2), 10, default)).Should().Be(0);

        (await Store.GetDeliveryAsync("t1", finals[0], default)).Should().BeNull();
        (await Store.ListAttemptsAsync("t1", finals[0], default)).Should().BeEmpty();
        (await Store.GetDeliveryAsync("t1", finals[2], default)).Should().NotBeNull("it completed at the cut-off, not before");
        var stillPending = (await Store.LeaseDueAsync(LeaseAt(T0.AddDays(5), 10), default)).Should().ContainSingle().Subject;
        stillPending.Event.Id.Should().Be("old0", "an event with a pending delivery is kept");
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

    /// <summary>Creates the store under test: new and empty.</summary>
    /// <returns>The store.</returns>
    protected abstract Task<IWebhookStore> CreateStoreAsync();

    /// <summary>Releases the store after a test (delete its file or schema).</summary>
    /// <param name="store">The store.</param>
    /// <returns>A task.</returns>
    protected virtual Task DisposeStoreAsync(IWebhookStore store)
    {
        (store as IDisposable)?.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Builds a destination record.</summary>
    /// <param name="tenant">The tenant.</param>
    /// <param name="id">The id.</param>
    /// <param name="createdAt">When it was created.</param>
    /// <returns>The record.</returns>
    protected static DestinationRecord Destination(string tenant, string id, DateTimeOffset createdAt) => new()
    {
        TenantId = tenant,
        Id = id,
        Name = "dest " + id,
        Enabled = true,
        ConfigJson = "{\"url\":\"https://example.test/hook\"}",
        CreatedAt = createdAt,
        UpdatedAt = createdAt,
    };

    /// <summary>Builds an event.</summary>
    /// <param name="tenant">The tenant.</param>
    /// <param name="id">The event id.</param>
    /// <param name="marker">A value written into its JSON.</param>
    /// <returns>The event.</returns>
    protected static StoredEvent Event(string tenant, string id, string marker) => new()
    {
        TenantId = tenant,
        Id = id,
        Type = "thing.happened",
        OccurredAt = T0,
        Json = Encoding.UTF8.GetBytes($"{{\"id\":\"{id}\",\"v\":\"{marker}\"}}"),
    };

    /// <summary>Builds a pending delivery with a unique id.</summary>
    /// <param name="tenant">The tenant.</param>
    /// <param name="eventId">The event id.</param>
    /// <param name="destinationId">The destination id.</param>
    /// <param name="dueAt">When it is due.</param>
    /// <returns>The delivery.</returns>
    protected DeliveryRecord Delivery(string tenant, string eventId, string destinationId, DateTimeOffset dueAt) => new()
    {
        TenantId = tenant,
        Id = "dlv-" + Interlocked.Increment(ref _ids).ToString("D5", System.Globalization.CultureInfo.InvariantCulture),
        EventId = eventId,
        EventType = "thing.happened",
        DestinationId = destinationId,
        Status = DeliveryStatus.Pending,
        MaxAttempts = 3,
        CreatedAt = T0,
        DueAt = dueAt,
    };

    /// <summary>Builds an enqueue batch for one event.</summary>
    /// <param name="tenant">The tenant.</param>
    /// <param name="eventId">The event id.</param>
    /// <param name="deliveries">The deliveries.</param>
    /// <returns>The batch.</returns>
    protected static EnqueueBatch Batch(string tenant, string eventId, params DeliveryRecord[] deliveries)
        => new() { Event = Event(tenant, eventId, "first"), Deliveries = deliveries };

    private static LeaseRequest LeaseAt(DateTimeOffset now, int max) => new() { Owner = "contract", MaxCount = max, Now = now, Duration = Lease };

    private static AttemptRecord Attempt(LeasedDelivery lease, int number, DateTimeOffset at) => new()
    {
        TenantId = lease.Delivery.TenantId,
        DeliveryId = lease.Delivery.Id,
        Number = number,
        StartedAt = at,
        Duration = TimeSpan.FromMilliseconds(250),
        StatusCode = 200,
        Success = true,
    };

    private static DeliveryCompletion Succeeded(LeasedDelivery lease, AttemptRecord? attempt) => new()
    {
        TenantId = lease.Delivery.TenantId,
        DeliveryId = lease.Delivery.Id,
        LeaseToken = lease.LeaseToken,
        Attempt = attempt,
        Status = DeliveryStatus.Succeeded,
        CompletedAt = (attempt?.StartedAt ?? T0) + TimeSpan.FromSeconds(1),
    };

    private static DeliveryCompletion Failed(LeasedDelivery lease, DateTimeOffset at) => new()
    {
        TenantId = lease.Delivery.TenantId,
        DeliveryId = lease.Delivery.Id,
        LeaseToken = lease.LeaseToken,
        Attempt = new AttemptRecord { TenantId = lease.Delivery.TenantId, DeliveryId = lease.Delivery.Id, Number = lease.Delivery.AttemptCount + 1, StartedAt = at, Duration = TimeSpan.FromMilliseconds(5), StatusCode = 500, Success = false, Error = "HTTP 500" },
        Status = DeliveryStatus.Failed,
        CompletedAt = at,
    };
}
