using FluentAssertions;
using NUnit.Framework;
using Webhooks.Sdk.Storage;

#pragma warning disable CA1707 // Test names follow Member_Scenario_Expectation.
#pragma warning disable CA2007 // Test code runs without a synchronization context.

namespace Webhooks.Sdk.Testing.StoreContract;

/// <summary>The <see cref="IDeliveryHistory"/> contract: filtered queries with cursor paging of any depth, counts, backlog age, test deliveries, purge.</summary>
/// <typeparam name="TFactory">Creates the store under test.</typeparam>
public abstract class DeliveryHistoryContractTests<TFactory> : StoreContractFixture<TFactory>
    where TFactory : IStoreContractFactory, new()
{
    /// <summary>Checks that a test delivery is stored final with its attempt and is never leased.</summary>
    /// <returns>A task.</returns>
    [Test]
    public async Task RecordTestDeliveryAsync_StoresFinalDeliveryAndAttempt_NotLeasable()
    {
        var d = Delivery("t1", "test-1", "a", T0) with { Status = WebhookDeliveryStatus.Succeeded, IsTest = true, AttemptCount = 1, CompletedAt = T0.AddSeconds(1), LastStatusCode = 200 };
        var attempt = new AttemptRecord { TenantId = "t1", DeliveryId = d.Id, Number = 1, StartedAt = T0, Duration = TimeSpan.FromMilliseconds(12), StatusCode = 200, Success = true };

        await Store.RecordTestDeliveryAsync(Event("t1", "test-1", "first"), d, attempt, default);

        (await Store.GetDeliveryAsync("t1", d.Id, default)).Should().BeEquivalentTo(d, o => o.Excluding(x => x.Sequence));
        (await Store.ListAttemptsAsync("t1", d.Id, default)).Should().ContainSingle().Which.Should().BeEquivalentTo(attempt);
        (await Store.LeaseDueAsync(LeaseAt(T0.AddHours(1), 10), default)).Should().BeEmpty();
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

    /// <summary>Checks delivery listing: newest first, destination and status filters, cursor paging.</summary>
    /// <returns>A task.</returns>
    [Test]
    public async Task QueryDeliveriesAsync_FiltersAndPages_NewestFirst()
    {
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var d = Delivery("t1", "e" + i, i % 2 == 0 ? "a" : "b", T0);
            ids.Add(d.Id);
            await Store.EnqueueAsync(Batch("t1", "e" + i, d), default);
        }

        await Store.EnqueueAsync(Batch("t2", "x", Delivery("t2", "x", "a", T0)), default);

        var page1 = await Store.QueryDeliveriesAsync(new DeliveryQuery { TenantId = "t1", Limit = 2 }, default);
        var page2 = await Store.QueryDeliveriesAsync(new DeliveryQuery { TenantId = "t1", Limit = 10, Cursor = page1.NextCursor }, default);
        var onlyA = await Store.QueryDeliveriesAsync(new DeliveryQuery { TenantId = "t1", DestinationId = "a" }, default);
        var succeeded = await Store.QueryDeliveriesAsync(new DeliveryQuery { TenantId = "t1", Status = WebhookDeliveryStatus.Succeeded }, default);

        page1.Items.Select(d => d.Id).Should().Equal(ids[4], ids[3]);
        page1.NextCursor.Should().NotBeNull();
        page2.Items.Select(d => d.Id).Should().Equal(ids[2], ids[1], ids[0]);
        page2.NextCursor.Should().BeNull();
        onlyA.Items.Select(d => d.Id).Should().Equal(ids[4], ids[2], ids[0]);
        succeeded.Items.Should().BeEmpty();
    }

    /// <summary>Checks the event type, time range and status-code class filters, alone and combined.</summary>
    /// <returns>A task.</returns>
    [Test]
    public async Task QueryDeliveriesAsync_EventTypeTimeRangeAndStatusCodeClass_MatchExactly()
    {
        async Task<string> AddAsync(string evt, string type, DateTimeOffset created, int? code)
        {
            var d = Delivery("t1", evt, "a", T0) with { EventType = type, CreatedAt = created };
            await Store.EnqueueAsync(Batch("t1", evt, d), default);
            if (code is { } c)
            {
                var lease = (await Store.LeaseDueAsync(LeaseAt(T0, 1), default)).Single();
                await Store.CompleteAsync(new DeliveryCompletion { TenantId = "t1", DeliveryId = d.Id, LeaseToken = lease.LeaseToken, Attempt = Attempt(lease, 1, T0) with { StatusCode = c, Success = c < 300 }, Status = c < 300 ? WebhookDeliveryStatus.Succeeded : WebhookDeliveryStatus.Failed, CompletedAt = T0.AddSeconds(1) }, default);
            }

            return d.Id;
        }

        var ok = await AddAsync("e1", "order.created", T0.AddMinutes(1), 204);
        var notFound = await AddAsync("e2", "order.created", T0.AddMinutes(2), 404);
        var serverError = await AddAsync("e3", "order.deleted", T0.AddMinutes(3), 503);
        var none = await AddAsync("e4", "order.created", T0.AddMinutes(4), null);

        async Task<IEnumerable<string>> QueryAsync(DeliveryQuery q) => (await Store.QueryDeliveriesAsync(q, default)).Items.Select(d => d.Id);
        (await QueryAsync(new DeliveryQuery { TenantId = "t1", EventType = "order.created" })).Should().Equal(none, notFound, ok);
        (await QueryAsync(new DeliveryQuery { TenantId = "t1", Since = T0.AddMinutes(2), Until = T0.AddMinutes(4) })).Should().Equal(serverError, notFound);
        (await QueryAsync(new DeliveryQuery { TenantId = "t1", StatusCodeClass = WebhookStatusCodeClass.Success })).Should().Equal(ok);
        (await QueryAsync(new DeliveryQuery { TenantId = "t1", StatusCodeClass = WebhookStatusCodeClass.ClientError })).Should().Equal(notFound);
        (await QueryAsync(new DeliveryQuery { TenantId = "t1", StatusCodeClass = WebhookStatusCodeClass.ServerError })).Should().Equal(serverError);
        (await QueryAsync(new DeliveryQuery { TenantId = "t1", StatusCodeClass = WebhookStatusCodeClass.None })).Should().Equal(none);
        (await QueryAsync(new DeliveryQuery { TenantId = "t1", EventType = "order.created", Status = WebhookDeliveryStatus.Failed, Since = T0.AddMinutes(2) })).Should().Equal(notFound);
    }

    /// <summary>Checks that a cursor walks history of more than 1,000 deliveries to the end, each once, newest first.</summary>
    /// <returns>A task.</returns>
    [Test]
    public async Task QueryDeliveriesAsync_MoreThanThousand_CursorReachesEveryDelivery()
    {
        const int Total = 1_234;
        var deliveries = Enumerable.Range(0, Total).Select(i => Delivery("t1", "e", "d" + (i % 3), T0)).ToArray();
        foreach (var chunk in deliveries.Chunk(250))
        {
            await Store.EnqueueAsync(Batch("t1", "e", chunk), default);
        }

        var seen = new List<DeliveryRecord>();
        string? cursor = null;
        do
        {
            var page = await Store.QueryDeliveriesAsync(new DeliveryQuery { TenantId = "t1", Limit = 100, Cursor = cursor }, default);
            seen.AddRange(page.Items);
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        seen.Should().HaveCount(Total);
        seen.Select(d => d.Id).Should().OnlyHaveUniqueItems();
        seen.Select(d => d.Sequence).Should().BeInDescendingOrder();
        seen[^1].Id.Should().Be(deliveries[0].Id);
        var onlyD1 = 0;
        cursor = null;
        do
        {
            var page = await Store.QueryDeliveriesAsync(new DeliveryQuery { TenantId = "t1", DestinationId = "d1", Limit = 1000, Cursor = cursor }, default);
            onlyD1 += page.Items.Count;
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        onlyD1.Should().Be(Total / 3);
    }

    /// <summary>Checks counts by status per tenant and per destination, inside a creation-time window.</summary>
    /// <returns>A task.</returns>
    [Test]
    public async Task CountDeliveriesAsync_ByStatus_PerTenantAndDestinationInWindow()
    {
        async Task AddAsync(string tenant, string evt, string destination, DateTimeOffset created, WebhookDeliveryStatus final)
        {
            var d = Delivery(tenant, evt, destination, final == WebhookDeliveryStatus.Pending ? T0.AddDays(1) : T0) with { CreatedAt = created };
            await Store.EnqueueAsync(Batch(tenant, evt, d), default);
            if (final != WebhookDeliveryStatus.Pending)
            {
                var lease = (await Store.LeaseDueAsync(LeaseAt(T0, 1), default)).Single();
                await Store.CompleteAsync(final == WebhookDeliveryStatus.Succeeded ? Succeeded(lease, null) : Failed(lease, T0.AddSeconds(1)), default);
            }
        }

        await AddAsync("t1", "e1", "a", T0, WebhookDeliveryStatus.Succeeded);
        await AddAsync("t1", "e2", "a", T0.AddMinutes(1), WebhookDeliveryStatus.Failed);
        await AddAsync("t1", "e3", "b", T0.AddMinutes(2), WebhookDeliveryStatus.Pending);
        await AddAsync("t1", "e4", "a", T0.AddMinutes(3), WebhookDeliveryStatus.Succeeded);
        await AddAsync("t2", "e5", "a", T0.AddMinutes(1), WebhookDeliveryStatus.Succeeded);

        (await Store.CountDeliveriesAsync(new DeliveryCountQuery { TenantId = "t1" }, default)).Should().Be(new DeliveryCounts(1, 2, 1));
        (await Store.CountDeliveriesAsync(new DeliveryCountQuery { TenantId = "t1", DestinationId = "a" }, default)).Should().Be(new DeliveryCounts(0, 2, 1));
        (await Store.CountDeliveriesAsync(new DeliveryCountQuery { TenantId = "t1", Since = T0.AddMinutes(1), Until = T0.AddMinutes(3) }, default)).Should().Be(new DeliveryCounts(1, 0, 1));
        (await Store.CountDeliveriesAsync(new DeliveryCountQuery { TenantId = "t3" }, default)).Total.Should().Be(0);
    }

    /// <summary>Checks the backlog age source: the oldest due time of waiting deliveries, ignoring future ones and live leases.</summary>
    /// <returns>A task.</returns>
    [Test]
    public async Task GetOldestDueTimeAsync_WaitingDeliveries_ReturnsOldestDueTime()
    {
        (await Store.GetOldestDueTimeAsync(null, T0, default)).Should().BeNull();
        await Store.EnqueueAsync(Batch("t1", "e1", Delivery("t1", "e1", "a", T0.AddSeconds(10))), default);
        await Store.EnqueueAsync(Batch("t2", "e2", Delivery("t2", "e2", "a", T0.AddSeconds(20))), default);
        await Store.EnqueueAsync(Batch("t1", "e3", Delivery("t1", "e3", "a", T0.AddHours(1))), default);

        (await Store.GetOldestDueTimeAsync(null, T0.AddSeconds(30), default)).Should().Be(T0.AddSeconds(10));
        (await Store.GetOldestDueTimeAsync("t2", T0.AddSeconds(30), default)).Should().Be(T0.AddSeconds(20));
        (await Store.GetOldestDueTimeAsync(null, T0.AddSeconds(5), default)).Should().BeNull();

        await Store.LeaseDueAsync(LeaseAt(T0.AddSeconds(30), 1), default);
        (await Store.GetOldestDueTimeAsync(null, T0.AddSeconds(31), default)).Should().Be(T0.AddSeconds(20), "a delivery under a live lease is not waiting");
        (await Store.GetOldestDueTimeAsync(null, T0.AddSeconds(31) + Lease, default)).Should().Be(T0.AddSeconds(10), "an expired lease waits again");
    }
}
