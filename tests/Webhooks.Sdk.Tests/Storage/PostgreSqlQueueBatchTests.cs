using FluentAssertions;
using Npgsql;
using NUnit.Framework;
using Webhooks.Sdk.PostgreSql;
using Webhooks.Sdk.Storage;

namespace Webhooks.Sdk.Tests.Storage;

/// <summary>The PostgreSQL store's grouped enqueue commits and one-statement completion batches.</summary>
[NonParallelizable]
public class PostgreSqlQueueBatchTests : PostgresSchemaTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 6, 0, 0, TimeSpan.Zero);

    [Test]
    public async Task EnqueueAsync_PublishersArriveWhileAGroupIsBeingWritten_TheyShareOneCommitAndEveryDeliveryIsStored()
    {
        await using var store = await NewStoreAsync();
        var first = Task.CompletedTask;
        var rest = new List<Task>();
        await using (await LockEventsAsync())
        {
            // The first enqueue is written alone and blocks on the lock; the 63 that arrive meanwhile wait for it.
            first = store.EnqueueAsync(Batch("e0", 2), default);
            for (var i = 1; i < 64; i++)
            {
                rest.Add(store.EnqueueAsync(Batch("e" + i, 2), default));
            }

            await Task.Delay(100);
            first.IsCompleted.Should().BeFalse("the events table is locked");
        }

        await first;
        await Task.WhenAll(rest);

        store.EnqueueGroups.Should().Be(2, "the 63 publishers that waited are written in one commit");
        (await CountAsync("deliveries")).Should().Be(128);
        (await CountAsync("events")).Should().Be(64);
        var leased = await store.LeaseDueAsync(new LeaseRequest { MaxCount = 500, Now = Now, Duration = TimeSpan.FromMinutes(1) }, default);
        leased.Select(l => l.Delivery.Id).Should().OnlyHaveUniqueItems().And.HaveCount(128);
        leased.Select(l => l.Event.Id).Distinct().Should().HaveCount(64);
    }

    [Test]
    public async Task EnqueueAsync_OneBadEnqueueInAGroup_FailsAloneAndTheOthersAreStored()
    {
        await using var store = await NewStoreAsync();
        var tasks = new List<Task>();
        await using (await LockEventsAsync())
        {
            tasks.Add(store.EnqueueAsync(Batch("first", 1), default));
            for (var i = 0; i < 20; i++)
            {
                // PostgreSQL text cannot hold a NUL character: this one enqueue fails on the server.
                tasks.Add(store.EnqueueAsync(Batch("e" + i, 1, destination: i == 10 ? "bad\0id" : "dest"), default));
            }

            await Task.Delay(100);
        }

        var failed = tasks[11];
        await FluentActions.Awaiting(() => failed).Should().ThrowAsync<PostgresException>();
        tasks.RemoveAt(11);
        await Task.WhenAll(tasks);
        (await CountAsync("deliveries")).Should().Be(20);
        (await CountAsync("events")).Should().Be(20, "nothing of the failed enqueue is stored");
    }

    [Test]
    public async Task EnqueueAsync_CallerCancelsWhileWaitingForTheGroupBefore_ItIsNotStored()
    {
        await using var store = await NewStoreAsync();
        using var cts = new CancellationTokenSource();
        Task first;
        Task cancelled;
        await using (await LockEventsAsync())
        {
            first = store.EnqueueAsync(Batch("first", 1), default);
            cancelled = store.EnqueueAsync(Batch("gave-up", 1), cts.Token);
            await cts.CancelAsync();
        }

        await first;
        await FluentActions.Awaiting(() => cancelled).Should().ThrowAsync<OperationCanceledException>();
        (await CountAsync("events")).Should().Be(1);
    }

    [Test]
    public async Task CompleteAsync_MixedBatch_OneStatementMovesEachUnderItsOwnLease()
    {
        await using var store = await NewStoreAsync();
        await store.EnqueueAsync(Batch("e", 4), default);
        var leased = await store.LeaseDueAsync(new LeaseRequest { MaxCount = 10, Now = Now, Duration = TimeSpan.FromMinutes(1) }, default);
        leased.Should().HaveCount(4);
        var token = leased[0].LeaseToken;
        var retryAt = Now.AddMinutes(5);

        var results = await store.CompleteAsync(
            [
                Completion("e-0", token, WebhookDeliveryStatus.Succeeded, Attempt("e-0", 1, 200, true)),
                Completion("e-1", token, WebhookDeliveryStatus.Pending, Attempt("e-1", 1, 503, false), due: retryAt),
                Completion("e-2", token, WebhookDeliveryStatus.Failed, attempt: null),
                Completion("e-3", "not-the-token", WebhookDeliveryStatus.Succeeded, Attempt("e-3", 1, 200, true)),
            ],
            default);

        results.Should().Equal(true, true, true, false);
        var succeeded = (await store.GetDeliveryAsync("t", "e-0", default))!;
        (succeeded.Status, succeeded.AttemptCount, succeeded.LastStatusCode, succeeded.CompletedAt).Should().Be((WebhookDeliveryStatus.Succeeded, 1, 200, Now));
        var retrying = (await store.GetDeliveryAsync("t", "e-1", default))!;
        (retrying.Status, retrying.AttemptCount, retrying.LastStatusCode, retrying.DueAt, retrying.CompletedAt).Should().Be((WebhookDeliveryStatus.Pending, 1, 503, retryAt, (DateTimeOffset?)null));
        var dead = (await store.GetDeliveryAsync("t", "e-2", default))!;
        (dead.Status, dead.AttemptCount, dead.CompletedAt).Should().Be((WebhookDeliveryStatus.Failed, 0, Now));
        var stale = (await store.GetDeliveryAsync("t", "e-3", default))!;
        (stale.Status, stale.AttemptCount).Should().Be((WebhookDeliveryStatus.Pending, 0), "a completion under a stale token changes nothing");
        (await store.ListAttemptsAsync("t", "e-3", default)).Should().ContainSingle("a stale completion's attempt is still history");
        (await store.ListAttemptsAsync("t", "e-1", default)).Should().ContainSingle().Which.StatusCode.Should().Be(503);

        // The retry is leasable again at its due time, and only then (the stale one once its lease expired).
        (await store.LeaseDueAsync(new LeaseRequest { MaxCount = 10, Now = retryAt.AddSeconds(-1), Duration = TimeSpan.FromMinutes(1) }, default))
            .Select(l => l.Delivery.Id).Should().Equal("e-3");
        (await store.LeaseDueAsync(new LeaseRequest { MaxCount = 10, Now = retryAt, Duration = TimeSpan.FromMinutes(1) }, default))
            .Select(l => l.Delivery.Id).Should().Equal("e-1");
    }

    [Test]
    public async Task CompleteAsync_SameDeliveryTwiceInOneBatch_TheSecondFindsTheLeaseReleased()
    {
        await using var store = await NewStoreAsync();
        await store.EnqueueAsync(Batch("e", 1), default);
        var leased = (await store.LeaseDueAsync(new LeaseRequest { MaxCount = 10, Now = Now, Duration = TimeSpan.FromMinutes(1) }, default)).Should().ContainSingle().Subject;

        var results = await store.CompleteAsync(
            [
                Completion("e-0", leased.LeaseToken, WebhookDeliveryStatus.Pending, Attempt("e-0", 1, 500, false), due: Now.AddMinutes(1)),
                Completion("e-0", leased.LeaseToken, WebhookDeliveryStatus.Succeeded, Attempt("e-0", 2, 200, true)),
            ],
            default);

        results.Should().Equal(true, false);
        (await store.GetDeliveryAsync("t", "e-0", default))!.Status.Should().Be(WebhookDeliveryStatus.Pending);
        (await store.ListAttemptsAsync("t", "e-0", default)).Should().HaveCount(2);
    }

    private static EnqueueBatch Batch(string eventId, int deliveries, string destination = "dest") => new()
    {
        Event = new StoredEvent { TenantId = "t", Id = eventId, Type = "order.created", OccurredAt = Now, Json = "{\"n\":1}"u8.ToArray() },
        Deliveries = Enumerable.Range(0, deliveries).Select(i => new DeliveryRecord
        {
            TenantId = "t",
            Id = eventId + "-" + i,
            EventId = eventId,
            EventType = "order.created",
            DestinationId = destination,
            Status = WebhookDeliveryStatus.Pending,
            MaxAttempts = 3,
            CreatedAt = Now,
            DueAt = Now,
        }).ToArray(),
    };

    private static DeliveryCompletion Completion(string id, string token, WebhookDeliveryStatus status, AttemptRecord? attempt, DateTimeOffset? due = null) => new()
    {
        TenantId = "t",
        DeliveryId = id,
        LeaseToken = token,
        Status = status,
        Attempt = attempt,
        DueAt = due ?? Now,
        CompletedAt = status == WebhookDeliveryStatus.Pending ? null : Now,
    };

    private static AttemptRecord Attempt(string id, int number, int code, bool success) => new()
    {
        TenantId = "t",
        DeliveryId = id,
        Number = number,
        StartedAt = Now,
        Duration = TimeSpan.FromMilliseconds(4),
        StatusCode = code,
        Success = success,
    };

    private async Task<PostgreSqlWebhookStore> NewStoreAsync()
    {
        var store = new PostgreSqlWebhookStore(new PostgreSqlWebhookStoreOptions { ConnectionString = PostgresTestServer.ConnectionString, Schema = Schema });
        await store.InitializeAsync();
        return store;
    }

    /// <summary>Holds a lock that blocks inserts into the events table until disposed.</summary>
    private async Task<IAsyncDisposable> LockEventsAsync()
    {
        var connection = new NpgsqlConnection(PostgresTestServer.ConnectionString);
        await connection.OpenAsync();
        var tx = await connection.BeginTransactionAsync();
        await using (var cmd = new NpgsqlCommand($"LOCK TABLE \"{Schema}\".events IN SHARE MODE;", connection, tx))
        {
            await cmd.ExecuteNonQueryAsync();
        }

        return new Releaser(connection, tx);
    }

    private async Task<long> CountAsync(string table)
    {
        await using var connection = new NpgsqlConnection(PostgresTestServer.ConnectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand($"SELECT count(*) FROM \"{Schema}\".{table};", connection);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    private sealed class Releaser(NpgsqlConnection connection, NpgsqlTransaction tx) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await tx.RollbackAsync();
            await tx.DisposeAsync();
            await connection.DisposeAsync();
        }
    }
}
