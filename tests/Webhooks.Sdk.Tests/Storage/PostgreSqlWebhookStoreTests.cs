using System.Diagnostics;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NUnit.Framework;
using Webhooks.Sdk.PostgreSql;
using Webhooks.Sdk.Storage;
using Webhooks.Sdk.Testing;
using Webhooks.Sdk.Tests.Support;

namespace Webhooks.Sdk.Tests.Storage;

[NonParallelizable]
public class PostgreSqlWebhookStoreTests : PostgresSchemaTests
{
    [Test]
    public async Task PublishAsync_InRolledBackTransaction_LeavesNoDelivery()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await StartHostAsync();
        await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver));

        await using (var connection = new NpgsqlConnection(PostgresTestServer.ConnectionString))
        {
            await connection.OpenAsync();
            await using var tx = await connection.BeginTransactionAsync();
            var result = await host.Publisher.PublishAsync(WebhookEvent.Create("order.created", new { id = "o-1" }), tx);
            result.Deliveries.Should().ContainSingle();
            await tx.RollbackAsync();
        }

        var store = host.Services.GetRequiredService<IWebhookStore>();
        (await store.QueryDeliveriesAsync(new DeliveryQuery { TenantId = WebhookTenant.Default }, default)).Items.Should().BeEmpty();
        (await store.GetNextDueTimeAsync(default)).Should().BeNull();
    }

    [Test]
    public async Task PublishAsync_InCommittedTransaction_IsDelivered()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await StartHostAsync();
        await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver));

        PublishResult result;
        await using (var connection = new NpgsqlConnection(PostgresTestServer.ConnectionString))
        {
            await connection.OpenAsync();
            await using var tx = await connection.BeginTransactionAsync();
            await using (var cmd = new NpgsqlCommand($"CREATE TABLE \"{Schema}\".orders (id text PRIMARY KEY); INSERT INTO \"{Schema}\".orders VALUES ('o-2');", connection, tx))
            {
                await cmd.ExecuteNonQueryAsync();
            }

            result = await host.Publisher.PublishAsync(WebhookEvent.Create("order.created", new { id = "o-2" }), tx);
            await tx.CommitAsync();
        }

        var delivery = await host.WaitForFinalAsync(result.Deliveries[0].DeliveryId);
        delivery.Status.Should().Be(WebhookDeliveryStatus.Succeeded);
        receiver.Requests.Should().ContainSingle().Which.Header("webhook-id").Should().Be(result.EventId);
    }

    [Test]
    public async Task TwoInstances_OneQueue_EachDeliveryArrivesOnceAndBothWork()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        receiver.DefaultResponse = ReceiverResponse.Ok() with { Delay = TimeSpan.FromMilliseconds(20) };
        await using var a = await StartHostAsync(o => o.UserAgent = "instance-a");
        await using var b = await StartHostAsync(o => o.UserAgent = "instance-b");
        await a.Destinations.CreateAsync(WebhookTestHost.Destination(receiver));

        var ids = new List<string>();
        for (var i = 0; i < 200; i++)
        {
            var publisher = i % 2 == 0 ? a.Publisher : b.Publisher;
            ids.Add((await publisher.PublishAsync(WebhookEvent.Create("thing.happened", new { n = i }))).EventId);
        }

        await WebhookTestHost.WaitUntilAsync(() => Task.FromResult(receiver.Requests.Count >= 200), TimeSpan.FromSeconds(60), "all 200 delivered");
        await Task.Delay(1000);

        var requests = receiver.Requests;
        requests.Select(r => r.Header("webhook-id")).Should().BeEquivalentTo(ids, "each delivery arrives exactly once");
        var byInstance = requests.GroupBy(r => r.Header("User-Agent")).ToDictionary(g => g.Key!, g => g.Count());
        TestContext.Out.WriteLine("deliveries per instance: " + string.Join(", ", byInstance.Select(p => $"{p.Key}={p.Value}")));
        byInstance.Keys.Should().BeEquivalentTo("instance-a", "instance-b");
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task RateLimit_TwoInstancesOnOneStore_TogetherStayWithinTheDestinationsRate()
    {
        // Real time by necessity (two processes' worth of dispatchers and a real receiver): about 15 s.
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var a = await StartHostAsync(o => o.UserAgent = "instance-a");
        await using var b = await StartHostAsync(o => o.UserAgent = "instance-b");
        var destination = WebhookTestHost.Destination(receiver);
        destination.RateLimit = new WebhookRateLimit(PerSecond: 20);
        var created = await a.Destinations.CreateAsync(destination);

        // Each instance's first connection to the receiver is made before the measured run (a test send does not use
        // the rate): a cold first connection delays the first requests, which then arrive bunched with the next ones.
        (await a.Destinations.TestAsync(created.Id)).Success.Should().BeTrue();
        (await b.Destinations.TestAsync(created.Id)).Success.Should().BeTrue();
        var warmUp = receiver.Requests.Count;

        // Measured once both have counted each other (a lone instance paces to the whole rate until then).
        var shares = new[] { a, b }.Select(h => h.Services.GetRequiredService<Delivery.InstanceShare>()).ToArray();
        await WebhookTestHost.WaitUntilAsync(() => Task.FromResult(shares.All(s => s.Count == 2 && !s.IsHeld(DateTimeOffset.UtcNow))), TimeSpan.FromSeconds(30), "both instances counted each other");

        var ids = new List<string>();
        for (var i = 0; i < 300; i++)
        {
            ids.Add((await a.Publisher.PublishAsync(WebhookEvent.Create("thing.happened", new { n = i }))).EventId);
        }

        await WebhookTestHost.WaitUntilAsync(() => Task.FromResult(receiver.Requests.Count >= warmUp + 300), TimeSpan.FromSeconds(90), "all 300 delivered");

        var requests = receiver.Requests.Skip(warmUp).ToList();
        var times = requests.Select(r => r.ReceivedAt).Order().ToArray();
        var busiest = 0;
        for (int first = 0, last = 0; first < times.Length; first++)
        {
            while (last < times.Length && times[last] - times[first] < TimeSpan.FromSeconds(1))
            {
                last++;
            }

            busiest = Math.Max(busiest, last - first);
        }

        var byInstance = requests.GroupBy(r => r.Header("User-Agent")).ToDictionary(g => g.Key!, g => g.Count());
        TestContext.Out.WriteLine($"busiest 1 s window: {busiest} requests; span {(times[^1] - times[0]).TotalSeconds:F1} s; per instance: " + string.Join(", ", byInstance.Select(p => $"{p.Key}={p.Value}")));
        requests.Select(r => r.Header("webhook-id")).Should().BeEquivalentTo(ids, "each delivery arrives exactly once");
        busiest.Should().BeLessThanOrEqualTo(22, "the two instances together keep to 20/s (each paces to half of 90 % of it, with half a token of burst)");
        byInstance.Keys.Should().BeEquivalentTo(new[] { "instance-a", "instance-b" }, "both instances send their share");
    }

    [Test]
    public async Task TwoInstances_PublishOnOneWhoseDispatcherIsOff_TheOtherIsWokenByNotifyNotByItsHourlyPoll()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var publisherOnly = await StartHostAsync(o => o.Dispatcher.Enabled = false);
        await using var sender = await StartHostAsync(o => o.Dispatcher.PollInterval = TimeSpan.FromHours(1));
        await publisherOnly.Destinations.CreateAsync(WebhookTestHost.Destination(receiver));
        await Task.Delay(500); // the sender's first poll found nothing: it now sleeps for an hour unless woken

        var stopwatch = Stopwatch.StartNew();
        var result = await publisherOnly.Publisher.PublishAsync(WebhookEvent.Create("order.created", new { id = "o-3" }));
        var delivery = await sender.WaitForFinalAsync(result.Deliveries[0].DeliveryId, TimeSpan.FromSeconds(10));

        TestContext.Out.WriteLine($"publish to delivered by the other instance: {stopwatch.ElapsedMilliseconds} ms");
        delivery.Status.Should().Be(WebhookDeliveryStatus.Succeeded);
        stopwatch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5));
    }

    [Test]
    public async Task LeaseDueAsync_DueRowLockedByAnotherTransaction_SkipsItAndLeasesTheRestWithoutWaiting()
    {
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        await using var host = await StartHostAsync(o => o.Dispatcher.Enabled = false);
        await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver));
        var first = await host.Publisher.PublishAsync(WebhookEvent.Create("order.created", new { n = 1 }));
        var second = await host.Publisher.PublishAsync(WebhookEvent.Create("order.created", new { n = 2 }));
        var store = host.Services.GetRequiredService<IWebhookStore>();

        await using var connection = new NpgsqlConnection(PostgresTestServer.ConnectionString);
        await connection.OpenAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await using (var lockFirst = new NpgsqlCommand($"SELECT seq FROM \"{Schema}\".deliveries WHERE id = @id FOR UPDATE;", connection, tx))
        {
            lockFirst.Parameters.AddWithValue("id", first.Deliveries[0].DeliveryId);
            (await lockFirst.ExecuteScalarAsync()).Should().NotBeNull();
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var stopwatch = Stopwatch.StartNew();
        var leased = await store.LeaseDueAsync(new LeaseRequest { MaxCount = 10, Now = DateTimeOffset.UtcNow.AddMinutes(1), Duration = TimeSpan.FromMinutes(1) }, cts.Token);

        TestContext.Out.WriteLine($"lease with one row locked elsewhere: {stopwatch.ElapsedMilliseconds} ms");
        leased.Select(l => l.Delivery.Id).Should().Equal([second.Deliveries[0].DeliveryId], "the locked row is skipped, not waited for, so instances never queue behind each other");
        await tx.RollbackAsync();
    }

    [Test]
    [CancelAfter(180_000)]
    public async Task ServerRestart_MidRun_NothingLostAndDeliveryResumesByItself()
    {
        var restart = PostgresTestServer.RestartCommand;
        await using var receiver = await LocalWebhookReceiver.StartAsync();
        receiver.DefaultResponse = ReceiverResponse.Ok() with { Delay = TimeSpan.FromMilliseconds(30) };
        await using var host = await StartHostAsync(o =>
        {
            o.Dispatcher.LeaseDuration = TimeSpan.FromSeconds(35);
            o.Dispatcher.StoreErrorDelay = TimeSpan.FromMilliseconds(250);
            o.Dispatcher.MaxConcurrency = 4;
        },
        // A restart under load can take several seconds: cap the listener's backoff so its reconnect is seen soon after.
        store => store.ListenReconnectMaxDelay = TimeSpan.FromSeconds(2));
        await host.Destinations.CreateAsync(WebhookTestHost.Destination(receiver));
        var ids = new List<string>();
        for (var i = 0; i < 200; i++)
        {
            ids.Add((await host.Publisher.PublishAsync(WebhookEvent.Create("thing.happened", new { n = i }))).EventId);
        }

        await WebhookTestHost.WaitUntilAsync(() => Task.FromResult(receiver.Requests.Count >= 30), TimeSpan.FromSeconds(30), "delivery started");
        // Counted when the restart begins: the restart itself can take longer than sending the first 200.
        var receivedAtRestart = receiver.Requests.Count;
        await RunShellAsync(restart);

        var deadline = DateTime.UtcNow.AddSeconds(60);
        for (var i = 200; i < 250; i++)
        {
            while (true)
            {
                try
                {
                    ids.Add((await host.Publisher.PublishAsync(WebhookEvent.Create("thing.happened", new { n = i }))).EventId);
                    break;
                }
                catch (Exception) when (DateTime.UtcNow < deadline)
                {
                    // The first calls after a restart may meet a dropped pooled connection; PublishAsync throws and the caller retries.
                    await Task.Delay(100);
                }
            }
        }

        await WebhookTestHost.WaitUntilAsync(() => Task.FromResult(receiver.Requests.Select(r => r.Header("webhook-id")).Distinct().Count() >= ids.Count), TimeSpan.FromSeconds(120), "every event delivered after the restart");

        receiver.Requests.Select(r => r.Header("webhook-id")).Distinct().Should().BeEquivalentTo(ids);
        receivedAtRestart.Should().BeLessThan(ids.Count);
        // The listener reconnects on its own backoff, which may end after the last delivery: wait for it.
        await WebhookTestHost.WaitUntilAsync(() => Task.FromResult(host.Logs.Lines.Count(l => l.Contains("[5002]", StringComparison.Ordinal)) >= 2), TimeSpan.FromSeconds(30), "the listener reconnected by itself");
    }

    [Test]
    public async Task PublishAsync_ServerUnreachable_ThrowsAndHostKeepsRunning()
    {
        await using var host = await WebhookTestHost.StartAsync(
            o =>
            {
                o.Secrets.Key = Convert.ToBase64String(new byte[32]);
                o.Dispatcher.StoreErrorDelay = TimeSpan.FromMilliseconds(100);
            },
            (_, webhooks) => webhooks.UsePostgreSqlStore("Host=127.0.0.1;Port=1;Username=nobody;Database=none;Timeout=2", o => o.Schema = Schema));

        var act = () => host.Publisher.PublishAsync(WebhookEvent.Create("thing.happened", new { n = 1 }));

        (await act.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("Could not connect to the PostgreSQL webhook store (Host=127.0.0.1; Port=1; Database=none)");
        await WebhookTestHost.WaitUntilAsync(() => Task.FromResult(host.Logs.Lines.Count(l => l.Contains("[1005]", StringComparison.Ordinal)) >= 2), TimeSpan.FromSeconds(20), "the dispatcher logs and retries");
        host.Logs.AllText.Should().NotContain("nobody");
    }

    [Test]
    public async Task InitializeAsync_SchemaNewerThanCode_ThrowsClearError()
    {
        await using (var store = NewStore())
        {
            await store.InitializeAsync();
        }

        await using (var dataSource = NpgsqlDataSource.Create(PostgresTestServer.ConnectionString))
        await using (var cmd = dataSource.CreateCommand($"INSERT INTO \"{Schema}\".schema_version (version) VALUES (99);"))
        {
            await cmd.ExecuteNonQueryAsync();
        }

        await using var newer = NewStore();
        var act = () => newer.InitializeAsync();

        (await act.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("schema version 99, newer than this version of Webhooks.Sdk.PostgreSql supports (2)");
    }

    [Test]
    public async Task InitializeAsync_ManyInstancesAtOnce_MigrateOnce()
    {
        var stores = Enumerable.Range(0, 6).Select(_ => NewStore()).ToArray();
        try
        {
            await Task.WhenAll(stores.Select(s => s.InitializeAsync()));
        }
        finally
        {
            foreach (var s in stores)
            {
                await s.DisposeAsync();
            }
        }

        await using var dataSource = NpgsqlDataSource.Create(PostgresTestServer.ConnectionString);
        await using var cmd = dataSource.CreateCommand($"SELECT string_agg(version::text, ',' ORDER BY version) FROM \"{Schema}\".schema_version;");
        (await cmd.ExecuteScalarAsync()).Should().Be("1,2");
    }

    [TestCase(true, "off")]
    [TestCase(false, "on")]
    public async Task LeaseAndComplete_RelaxedQueueCommits_RunUnderTheConfiguredSynchronousCommitAndEnqueueStaysSynchronous(bool relaxed, string queueSetting)
    {
        await using var store = new PostgreSqlWebhookStore(new PostgreSqlWebhookStoreOptions { ConnectionString = PostgresTestServer.ConnectionString, Schema = Schema, RelaxedQueueCommits = relaxed });
        await store.InitializeAsync();
        var s = "\"" + Schema + "\"";
        await using (var dataSource = NpgsqlDataSource.Create(PostgresTestServer.ConnectionString))
        await using (var cmd = dataSource.CreateCommand(
            $"""
            CREATE TABLE {s}.commit_log (n serial, phase text, setting text);
            CREATE FUNCTION {s}.log_commit() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              INSERT INTO {s}.commit_log (phase, setting) VALUES (
                CASE WHEN TG_OP = 'INSERT' THEN 'enqueue' WHEN NEW.lease_token IS NOT NULL THEN 'lease' ELSE 'complete' END,
                current_setting('synchronous_commit'));
              RETURN NEW;
            END $$;
            CREATE TRIGGER log_commit AFTER INSERT OR UPDATE ON {s}.deliveries FOR EACH ROW EXECUTE FUNCTION {s}.log_commit();
            """))
        {
            await cmd.ExecuteNonQueryAsync();
        }

        var (leased, now) = await EnqueueAndLeaseOneAsync(store);
        (await store.CompleteAsync(
            [new DeliveryCompletion
            {
                TenantId = "t",
                DeliveryId = "d",
                LeaseToken = leased.LeaseToken,
                Status = WebhookDeliveryStatus.Succeeded,
                DueAt = now,
                CompletedAt = now,
                Attempt = new AttemptRecord { TenantId = "t", DeliveryId = "d", Number = 1, StartedAt = now, Duration = TimeSpan.FromMilliseconds(3), Success = true, StatusCode = 200 },
            }],
            default)).Should().Equal(true);

        var log = new List<(string Phase, string Setting)>();
        await using (var dataSource = NpgsqlDataSource.Create(PostgresTestServer.ConnectionString))
        await using (var cmd = dataSource.CreateCommand($"SELECT phase, setting FROM {s}.commit_log ORDER BY n;"))
        await using (var r = await cmd.ExecuteReaderAsync())
        {
            while (await r.ReadAsync())
            {
                log.Add((r.GetString(0), r.GetString(1)));
            }
        }

        log.Should().Equal(("enqueue", "on"), ("lease", queueSetting), ("complete", queueSetting));
    }

    [Test]
    public void CreateDataSource_ConnectionStringWithoutPoolSettings_UsesASmallPoolThatPreparesStatements()
    {
        using var plain = PostgreSqlWebhookStore.CreateDataSource("Host=127.0.0.1;Username=u;Database=d");
        using var given = PostgreSqlWebhookStore.CreateDataSource("Host=127.0.0.1;Username=u;Database=d;Maximum Pool Size=7;MaxAutoPrepare=0");

        var defaults = new NpgsqlConnectionStringBuilder(plain.ConnectionString);
        var kept = new NpgsqlConnectionStringBuilder(given.ConnectionString);
        (defaults.MaxPoolSize, defaults.MaxAutoPrepare, defaults.AutoPrepareMinUsages).Should().Be((20, 32, 2));
        (kept.MaxPoolSize, kept.MaxAutoPrepare).Should().Be((7, 0));
    }

    [Test]
    public async Task RenewLeasesAsync_DeliveryFinishedWhileTheRenewalWaitsForItsRow_ReportsTheLeaseLostInsteadOfFailing()
    {
        await using var store = NewStore();
        var (leased, now) = await EnqueueAndLeaseOneAsync(store);

        var renewed = await WhileAnotherInstanceFinishesTheDeliveryAsync(
            "unnest(",
            () => store.RenewLeasesAsync(new LeaseRenewal { Leases = [new LeaseHandle("t", "d", leased.LeaseToken)], Now = now, Duration = TimeSpan.FromMinutes(1) }, default));

        renewed.Should().BeEmpty();
        (await store.GetDeliveryAsync("t", "d", default))!.Status.Should().Be(WebhookDeliveryStatus.Succeeded);
    }

    [Test]
    public async Task CompleteAsync_DeliveryFinishedByAnotherInstanceWhileTheCompletionWaitsForItsRow_ReportsTheLeaseLostInsteadOfFailing()
    {
        await using var store = NewStore();
        var (leased, now) = await EnqueueAndLeaseOneAsync(store);

        var completed = await WhileAnotherInstanceFinishesTheDeliveryAsync(
            "lease_expires_at = NULL",
            () => store.CompleteAsync(
                [new DeliveryCompletion { TenantId = "t", DeliveryId = "d", LeaseToken = leased.LeaseToken, Status = WebhookDeliveryStatus.Failed, DueAt = now, CompletedAt = now }],
                default));

        completed.Should().Equal(false);
        (await store.GetDeliveryAsync("t", "d", default))!.Status.Should().Be(WebhookDeliveryStatus.Succeeded);
    }

    private static async Task<(LeasedDelivery Leased, DateTimeOffset Now)> EnqueueAndLeaseOneAsync(PostgreSqlWebhookStore store)
    {
        var now = DateTimeOffset.UtcNow;
        await store.EnqueueAsync(
            new EnqueueBatch
            {
                Event = new StoredEvent { TenantId = "t", Id = "e", Type = "x", OccurredAt = now, Json = "{}"u8.ToArray() },
                Deliveries = [new DeliveryRecord { TenantId = "t", Id = "d", EventId = "e", EventType = "x", DestinationId = "dest", Status = WebhookDeliveryStatus.Pending, MaxAttempts = 3, CreatedAt = now, DueAt = now }],
            },
            default);
        var leased = (await store.LeaseDueAsync(new LeaseRequest { MaxCount = 10, Now = now, Duration = TimeSpan.FromMinutes(1) }, default)).Should().ContainSingle().Subject;
        return (leased, now);
    }

    /// <summary>
    /// Another transaction finishes delivery "d" (the row moves from the queue partition to history) and holds the row
    /// until <paramref name="act"/>'s statement waits for it; then it commits and the result of the act is returned.
    /// </summary>
    private async Task<T> WhileAnotherInstanceFinishesTheDeliveryAsync<T>(string waitingStatement, Func<Task<T>> act)
    {
        await using var dataSource = NpgsqlDataSource.Create(PostgresTestServer.ConnectionString);
        await using var finisher = await dataSource.OpenConnectionAsync();
        await using var tx = await finisher.BeginTransactionAsync();
        await using (var finish = new NpgsqlCommand($"UPDATE \"{Schema}\".deliveries SET status = 1, completed_at = now(), lease_token = NULL, lease_expires_at = NULL WHERE tenant_id = 't' AND id = 'd';", finisher, tx))
        {
            (await finish.ExecuteNonQueryAsync()).Should().Be(1);
        }

        var pending = act();
        await WebhookTestHost.WaitUntilAsync(
            async () =>
            {
                await using var waiting = dataSource.CreateCommand("SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE @schema AND query LIKE @statement;");
                waiting.Parameters.AddWithValue("schema", "%" + Schema + "%");
                waiting.Parameters.AddWithValue("statement", "%" + waitingStatement + "%");
                return Convert.ToInt64(await waiting.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture) == 1;
            },
            TimeSpan.FromSeconds(10),
            "the store's statement waits for the row the other transaction holds");
        await tx.CommitAsync();
        return await pending;
    }

    private PostgreSqlWebhookStore NewStore() => new(new PostgreSqlWebhookStoreOptions { ConnectionString = PostgresTestServer.ConnectionString, Schema = Schema });

    private async Task<WebhookTestHost> StartHostAsync(Action<WebhooksOptions>? configure = null, Action<PostgreSqlWebhookStoreOptions>? store = null)
    {
        var connectionString = PostgresTestServer.ConnectionString;
        return await WebhookTestHost.StartAsync(
            o =>
            {
                o.Secrets.Key = Convert.ToBase64String(new byte[32]);
                configure?.Invoke(o);
            },
            (_, webhooks) => webhooks.UsePostgreSqlStore(connectionString, o =>
            {
                o.Schema = Schema;
                store?.Invoke(o);
            }));
    }

    private static async Task RunShellAsync(string command)
    {
        using var process = Process.Start(new ProcessStartInfo("bash") { ArgumentList = { "-c", command }, RedirectStandardOutput = true, RedirectStandardError = true })!;
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        process.ExitCode.Should().Be(0, "the restart command must succeed: {0}", await stderr);
    }
}
