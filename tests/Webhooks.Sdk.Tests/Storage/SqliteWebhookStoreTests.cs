using FluentAssertions;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;
using Webhooks.Sdk.Sqlite;
using Webhooks.Sdk.Storage;
using Webhooks.Sdk.Testing;
using Webhooks.Sdk.Tests.Support;

namespace Webhooks.Sdk.Tests.Storage;

public class SqliteWebhookStoreTests
{
    private TempDatabase _files = null!;

    [SetUp]
    public void SetUp() => _files = new TempDatabase();

    [TearDown]
    public void TearDown() => _files.DeleteAll();

    [Test]
    public async Task PublishAsync_InRolledBackTransaction_LeavesNoDelivery()
    {
        var path = _files.NewPath();
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await StartHostAsync(path);
        await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver));

        await using (var connection = new SqliteConnection("Data Source=" + path))
        {
            await connection.OpenAsync();
            using var tx = connection.BeginTransaction();
            await ExecAsync(connection, tx, "CREATE TABLE orders (id TEXT PRIMARY KEY); INSERT INTO orders VALUES ('o-1');");
            var result = await host.Publisher.PublishAsync(WebhookEvent.Create("order.created", new { id = "o-1" }), tx);
            result.Deliveries.Should().ContainSingle();
            tx.Rollback();
        }

        var store = host.Services.GetRequiredService<IWebhookStore>();
        (await store.QueryDeliveriesAsync(new DeliveryQuery { TenantId = WebhookTenant.Default }, default)).Items.Should().BeEmpty();
        (await store.GetNextDueTimeAsync(default)).Should().BeNull();
    }

    [Test]
    public async Task PublishAsync_InCommittedTransaction_IsDeliveredWithTheBusinessChange()
    {
        var path = _files.NewPath();
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await StartHostAsync(path);
        await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver));

        PublishResult result;
        await using (var connection = new SqliteConnection("Data Source=" + path))
        {
            await connection.OpenAsync();
            using var tx = connection.BeginTransaction();
            await ExecAsync(connection, tx, "CREATE TABLE orders (id TEXT PRIMARY KEY); INSERT INTO orders VALUES ('o-2');");
            result = await host.Publisher.PublishAsync(WebhookEvent.Create("order.created", new { id = "o-2" }), tx);
            tx.Commit();
        }

        var delivery = await host.WaitForFinalAsync(result.Deliveries[0].DeliveryId);
        delivery.Status.Should().Be(WebhookDeliveryStatus.Succeeded);
        receiver.Requests.Should().ContainSingle().Which.Header("webhook-id").Should().Be(result.EventId);
    }

    [Test]
    public async Task UseSqliteStore_HostRestarted_PendingRetryIsDeliveredByTheNewHost()
    {
        var path = _files.NewPath();
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        receiver.Enqueue(ReceiverResponse.Status(503));
        string deliveryId;
        await using (var first = await StartHostAsync(path, o => o.Retry.BaseDelay = TimeSpan.FromSeconds(1)))
        {
            await first.Destinations.CreateAsync(WebhookTestHost.Destination(receiver));
            deliveryId = (await first.Publisher.PublishAsync(WebhookEvent.Create("thing.happened", new { n = 1 }))).Deliveries[0].DeliveryId;
            await WebhookTestHost.WaitUntilAsync(async () => (await first.DeliveryLog.GetAsync(deliveryId)).AttemptCount == 1, because: "the first attempt fails");
        }

        await using var second = await StartHostAsync(path, o => o.Retry.BaseDelay = TimeSpan.FromSeconds(1));
        var delivery = await second.WaitForFinalAsync(deliveryId);

        delivery.Status.Should().Be(WebhookDeliveryStatus.Succeeded);
        delivery.AttemptCount.Should().Be(2);
        receiver.Requests.Should().HaveCount(2);
    }

    [Test]
    public async Task PublishAsync_DatabaseCannotBeWritten_Throws()
    {
        var path = Path.Combine(Path.GetTempPath(), "missing-" + Guid.NewGuid().ToString("N"), "webhooks.db");
        await using var host = await StartHostAsync(path);

        var act = () => host.Publisher.PublishAsync(WebhookEvent.Create("thing.happened", new { n = 1 }));

        (await act.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("Could not open the SQLite webhook store").And.Contain(path);
    }

    [Test]
    public async Task InitializeAsync_SchemaNewerThanCode_ThrowsClearError()
    {
        var path = _files.NewPath();
        using (var store = new SqliteWebhookStore(new SqliteWebhookStoreOptions { ConnectionString = path }))
        {
            await store.InitializeAsync();
        }

        await using (var connection = new SqliteConnection("Data Source=" + path))
        {
            await connection.OpenAsync();
            await ExecAsync(connection, null, "INSERT INTO webhooks_schema_version (version) VALUES (99);");
        }

        using var newer = new SqliteWebhookStore(new SqliteWebhookStoreOptions { ConnectionString = path });
        var act = () => newer.InitializeAsync();

        (await act.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("schema version 99, newer than this version of Webhooks.Sdk.Sqlite supports (2)");
    }

    [Test]
    public async Task InitializeAsync_NewFile_UsesWalAndRecordsSchemaVersion()
    {
        var path = _files.NewPath();
        using var store = new SqliteWebhookStore(new SqliteWebhookStoreOptions { ConnectionString = path });

        await store.InitializeAsync();
        await store.InitializeAsync();

        await using var connection = new SqliteConnection("Data Source=" + path);
        await connection.OpenAsync();
        (await ScalarAsync(connection, "PRAGMA journal_mode;")).Should().Be("wal");
        (await ScalarAsync(connection, "SELECT group_concat(version) FROM webhooks_schema_version;")).Should().Be("1,2");
    }

    [Test]
    public async Task EnqueueAsync_TenThousandDeliveries_StoredInOneBatch()
    {
        using var store = new SqliteWebhookStore(new SqliteWebhookStoreOptions { ConnectionString = _files.NewPath(), Synchronous = SqliteSynchronousMode.Normal });
        var now = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var deliveries = Enumerable.Range(0, 10_000).Select(i => new DeliveryRecord
        {
            TenantId = "t",
            Id = "d" + i,
            EventId = "e",
            EventType = "x",
            DestinationId = "dest" + i,
            Status = WebhookDeliveryStatus.Pending,
            MaxAttempts = 1,
            CreatedAt = now,
            DueAt = now,
        }).ToArray();

        await store.EnqueueAsync(new EnqueueBatch { Event = new StoredEvent { TenantId = "t", Id = "e", Type = "x", OccurredAt = now, Json = "{}"u8.ToArray() }, Deliveries = deliveries }, default);

        var leased = await store.LeaseDueAsync(new LeaseRequest { MaxCount = 20_000, Now = now, Duration = TimeSpan.FromMinutes(1) }, default);
        leased.Should().HaveCount(10_000);
        leased.Select(l => l.Delivery.Sequence).Should().BeInAscendingOrder();
    }

    [Test]
    public async Task Store_ManyWritesAndReadsOneAfterAnother_RunsThePragmasOncePerConnection()
    {
        using var store = new SqliteWebhookStore(new SqliteWebhookStoreOptions { ConnectionString = _files.NewPath() });
        var now = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < 50; i++)
        {
            // Each write awaited alone: each is its own commit (and, before, its own connection open).
            await store.EnqueueAsync(
                new EnqueueBatch
                {
                    Event = new StoredEvent { TenantId = "t", Id = "e" + i, Type = "x", OccurredAt = now, Json = "{}"u8.ToArray() },
                    Deliveries = [new DeliveryRecord { TenantId = "t", Id = "d" + i, EventId = "e" + i, EventType = "x", DestinationId = "dest", Status = WebhookDeliveryStatus.Pending, MaxAttempts = 1, CreatedAt = now, DueAt = now }],
                },
                default);
            (await store.GetNextDueTimeAsync(default)).Should().Be(now);
        }

        var leased = await store.LeaseDueAsync(new LeaseRequest { MaxCount = 100, Now = now, Duration = TimeSpan.FromMinutes(1) }, default);

        leased.Should().HaveCount(50);
        (await store.CompleteAsync(leased.Select(l => new DeliveryCompletion { TenantId = "t", DeliveryId = l.Delivery.Id, LeaseToken = l.LeaseToken, Status = WebhookDeliveryStatus.Succeeded, DueAt = now, CompletedAt = now }).ToArray(), default)).Should().OnlyContain(ok => ok);

        // The schema's connection, the writer and one pooled reader: not once per open (more than a hundred).
        store.PragmaRuns.Should().BeInRange(1, 3);
    }

    internal static async Task<WebhookTestHost> StartHostAsync(string path, Action<WebhooksOptions>? configure = null)
        => await WebhookTestHost.StartAsync(
            o =>
            {
                o.Secrets.Key = Convert.ToBase64String(new byte[32]);
                configure?.Invoke(o);
            },
            (_, webhooks) => webhooks.UseSqliteStore(path));

    private static async Task ExecAsync(SqliteConnection connection, SqliteTransaction? tx, string sql)
    {
        await using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        await cmd.ExecuteNonQueryAsync();
    }

    private static async Task<object?> ScalarAsync(SqliteConnection connection, string sql)
    {
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        return await cmd.ExecuteScalarAsync();
    }
}
