using FluentAssertions;
using Microsoft.Data.Sqlite;
using Npgsql;
using NUnit.Framework;
using Webhooks.Sdk.PostgreSql;
using Webhooks.Sdk.Sqlite;
using Webhooks.Sdk.Storage;

namespace Webhooks.Sdk.Tests.Storage;

/// <summary>
/// A database written by the first released schema (version 1, exactly as that code created it, with a pending
/// delivery, one leased by a process that died, a failed one with its attempt, and a correlation id) opens with the
/// current store: migrated in place, nothing lost, the pending deliveries leasable.
/// </summary>
public class StoreMigrationTests
{
    private const long T0Ticks = 639028224000000000L;

    private const string SqliteVersion1 =
        """
        CREATE TABLE webhooks_destinations (
            tenant_id TEXT NOT NULL,
            id TEXT NOT NULL,
            name TEXT NOT NULL,
            enabled INTEGER NOT NULL,
            config_json TEXT NOT NULL,
            protected_auth TEXT NULL,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            last_success_at INTEGER NULL,
            last_failure_at INTEGER NULL,
            consecutive_failures INTEGER NOT NULL,
            disabled_reason TEXT NULL,
            PRIMARY KEY (tenant_id, id)
        ) WITHOUT ROWID;
        CREATE INDEX webhooks_destinations_created ON webhooks_destinations (tenant_id, created_at DESC, id DESC);
        CREATE TABLE webhooks_events (
            tenant_id TEXT NOT NULL,
            id TEXT NOT NULL,
            type TEXT NOT NULL,
            occurred_at INTEGER NOT NULL,
            json BLOB NOT NULL,
            PRIMARY KEY (tenant_id, id)
        );
        CREATE TABLE webhooks_deliveries (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            tenant_id TEXT NOT NULL,
            id TEXT NOT NULL,
            event_id TEXT NOT NULL,
            event_type TEXT NOT NULL,
            destination_id TEXT NOT NULL,
            status INTEGER NOT NULL,
            attempt_count INTEGER NOT NULL,
            max_attempts INTEGER NOT NULL,
            created_at INTEGER NOT NULL,
            due_at INTEGER NOT NULL,
            ready_at INTEGER NOT NULL,
            completed_at INTEGER NULL,
            ordering_key TEXT NULL,
            last_status_code INTEGER NULL,
            last_error TEXT NULL,
            is_test INTEGER NOT NULL,
            lease_token TEXT NULL,
            lease_expires_at INTEGER NULL
        );
        CREATE UNIQUE INDEX webhooks_deliveries_id ON webhooks_deliveries (tenant_id, id);
        CREATE INDEX webhooks_deliveries_ready ON webhooks_deliveries (ready_at, seq) WHERE status = 0;
        CREATE INDEX webhooks_deliveries_ordered ON webhooks_deliveries (tenant_id, destination_id, ordering_key, seq) WHERE status = 0 AND ordering_key IS NOT NULL;
        CREATE INDEX webhooks_deliveries_destination ON webhooks_deliveries (tenant_id, destination_id, seq);
        CREATE INDEX webhooks_deliveries_event ON webhooks_deliveries (tenant_id, event_id);
        CREATE INDEX webhooks_deliveries_completed ON webhooks_deliveries (completed_at) WHERE status <> 0;
        CREATE TABLE webhooks_attempts (
            tenant_id TEXT NOT NULL,
            delivery_id TEXT NOT NULL,
            number INTEGER NOT NULL,
            started_at INTEGER NOT NULL,
            duration_ticks INTEGER NOT NULL,
            status_code INTEGER NULL,
            success INTEGER NOT NULL,
            error TEXT NULL,
            response_excerpt TEXT NULL
        );
        CREATE INDEX webhooks_attempts_delivery ON webhooks_attempts (tenant_id, delivery_id, number);
        CREATE TABLE webhooks_correlation (
            tenant_id TEXT NOT NULL,
            destination_id TEXT NOT NULL,
            correlation_key TEXT NOT NULL,
            correlation_id TEXT NOT NULL,
            PRIMARY KEY (tenant_id, destination_id, correlation_key)
        ) WITHOUT ROWID;
        CREATE TABLE webhooks_schema_version (version INTEGER NOT NULL);
        INSERT INTO webhooks_schema_version (version) VALUES (1);
        """;

    private const string SqliteVersion1Rows =
        """
        INSERT INTO webhooks_destinations VALUES ('t1', 'd1', 'Old', 1, '{"url":"https://example.test/hook"}', 'auth-blob', 639028224000000000, 639028224000000000, NULL, NULL, 0, NULL);
        INSERT INTO webhooks_events VALUES ('t1', 'e1', 'order.created', 639028224000000000, X'7B226964223A226531227D');
        INSERT INTO webhooks_deliveries (tenant_id, id, event_id, event_type, destination_id, status, attempt_count, max_attempts, created_at, due_at, ready_at, completed_at, ordering_key, last_status_code, last_error, is_test, lease_token, lease_expires_at)
        VALUES ('t1', 'failed', 'e1', 'order.created', 'd1', 2, 1, 1, 639028224000000000, 639028224000000000, 639028224000000000, 639028224000000000, NULL, 500, 'HTTP 500', 0, NULL, NULL),
               ('t1', 'pending', 'e1', 'order.created', 'd1', 0, 0, 3, 639028224000000000, 639028224000000000, 639028224000000000, NULL, 'k', NULL, NULL, 0, NULL, NULL),
               ('t1', 'leased', 'e1', 'order.created', 'd1', 0, 1, 3, 639028224000000000, 639028224000000000, 639028224300000000, NULL, NULL, NULL, NULL, 0, 'dead-process', 639028224300000000);
        INSERT INTO webhooks_attempts VALUES ('t1', 'failed', 1, 639028224000000000, 1000, 500, 0, 'HTTP 500', 'oops');
        INSERT INTO webhooks_correlation VALUES ('t1', 'd1', 'k', 'ITEM-1');
        """;

    private const string PostgreSqlVersion1 =
        """
        CREATE TABLE __s.destinations (
            tenant_id text NOT NULL,
            id text NOT NULL,
            name text NOT NULL,
            enabled boolean NOT NULL,
            config_json text NOT NULL,
            protected_auth text NULL,
            created_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL,
            last_success_at timestamptz NULL,
            last_failure_at timestamptz NULL,
            consecutive_failures integer NOT NULL,
            disabled_reason text NULL,
            PRIMARY KEY (tenant_id, id)
        );
        CREATE INDEX destinations_created ON __s.destinations (tenant_id, created_at DESC, id DESC);
        CREATE TABLE __s.events (
            tenant_id text NOT NULL,
            id text NOT NULL,
            type text NOT NULL,
            occurred_at timestamptz NOT NULL,
            json bytea NOT NULL,
            PRIMARY KEY (tenant_id, id)
        );
        CREATE SEQUENCE __s.delivery_seq;
        CREATE TABLE __s.deliveries (
            seq bigint PRIMARY KEY DEFAULT nextval('__s.delivery_seq'),
            tenant_id text NOT NULL,
            id text NOT NULL,
            event_id text NOT NULL,
            event_type text NOT NULL,
            destination_id text NOT NULL,
            status smallint NOT NULL,
            attempt_count integer NOT NULL,
            max_attempts integer NOT NULL,
            created_at timestamptz NOT NULL,
            due_at timestamptz NOT NULL,
            ready_at timestamptz NOT NULL,
            completed_at timestamptz NULL,
            ordering_key text NULL,
            last_status_code integer NULL,
            last_error text NULL,
            is_test boolean NOT NULL,
            lease_token text NULL,
            lease_expires_at timestamptz NULL
        );
        CREATE UNIQUE INDEX deliveries_id ON __s.deliveries (tenant_id, id);
        CREATE INDEX deliveries_ready ON __s.deliveries (ready_at, seq) WHERE status = 0;
        CREATE INDEX deliveries_ordered ON __s.deliveries (tenant_id, destination_id, ordering_key, seq) WHERE status = 0 AND ordering_key IS NOT NULL;
        CREATE INDEX deliveries_destination ON __s.deliveries (tenant_id, destination_id, seq);
        CREATE INDEX deliveries_event ON __s.deliveries (tenant_id, event_id);
        CREATE INDEX deliveries_completed ON __s.deliveries (completed_at) WHERE status <> 0;
        CREATE TABLE __s.attempts (
            rid bigserial PRIMARY KEY,
            tenant_id text NOT NULL,
            delivery_id text NOT NULL,
            number integer NOT NULL,
            started_at timestamptz NOT NULL,
            duration_ticks bigint NOT NULL,
            status_code integer NULL,
            success boolean NOT NULL,
            error text NULL,
            response_excerpt text NULL
        );
        CREATE INDEX attempts_delivery ON __s.attempts (tenant_id, delivery_id, number);
        CREATE TABLE __s.correlation (
            tenant_id text NOT NULL,
            destination_id text NOT NULL,
            correlation_key text NOT NULL,
            correlation_id text NOT NULL,
            PRIMARY KEY (tenant_id, destination_id, correlation_key)
        );
        CREATE TABLE __s.schema_version (version integer NOT NULL);
        INSERT INTO __s.schema_version (version) VALUES (1);
        INSERT INTO __s.destinations VALUES ('t1', 'd1', 'Old', true, '{"url":"https://example.test/hook"}', 'auth-blob', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', NULL, NULL, 0, NULL);
        INSERT INTO __s.events VALUES ('t1', 'e1', 'order.created', '2026-01-01T00:00:00Z', '\x7b226964223a226531227d');
        INSERT INTO __s.deliveries (tenant_id, id, event_id, event_type, destination_id, status, attempt_count, max_attempts, created_at, due_at, ready_at, completed_at, ordering_key, last_status_code, last_error, is_test, lease_token, lease_expires_at)
        VALUES ('t1', 'failed', 'e1', 'order.created', 'd1', 2, 1, 1, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', NULL, 500, 'HTTP 500', false, NULL, NULL),
               ('t1', 'pending', 'e1', 'order.created', 'd1', 0, 0, 3, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', NULL, 'k', NULL, NULL, false, NULL, NULL),
               ('t1', 'leased', 'e1', 'order.created', 'd1', 0, 1, 3, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', '2026-01-01T00:00:30Z', NULL, NULL, NULL, NULL, false, 'dead-process', '2026-01-01T00:00:30Z');
        INSERT INTO __s.attempts (tenant_id, delivery_id, number, started_at, duration_ticks, status_code, success, error, response_excerpt) VALUES ('t1', 'failed', 1, '2026-01-01T00:00:00Z', 1000, 500, false, 'HTTP 500', 'oops');
        INSERT INTO __s.correlation VALUES ('t1', 'd1', 'k', 'ITEM-1');
        """;

    private static readonly DateTimeOffset T0 = new(T0Ticks, TimeSpan.Zero);

    [Test]
    public async Task SqliteStore_OpensVersion1File_NothingLost()
    {
        var files = new TempDatabase();
        var path = files.NewPath();
        try
        {
            await using (var connection = new SqliteConnection("Data Source=" + path))
            {
                await connection.OpenAsync();
                using var cmd = connection.CreateCommand();
                cmd.CommandText = "PRAGMA journal_mode=WAL;" + SqliteVersion1 + SqliteVersion1Rows;
                await cmd.ExecuteNonQueryAsync();
            }

            using var store = new SqliteWebhookStore(new SqliteWebhookStoreOptions { ConnectionString = path });
            await AssertNothingLostAsync(store);
        }
        finally
        {
            files.DeleteAll();
        }
    }

    [Test]
    public async Task PostgreSqlStore_OpensVersion1Schema_NothingLost()
    {
        var schema = PostgresTestServer.NewSchema();
        try
        {
            await using (var dataSource = NpgsqlDataSource.Create(PostgresTestServer.ConnectionString))
            {
                var sql = "CREATE SCHEMA \"" + schema + "\";" + PostgreSqlVersion1.Replace("__s.", "\"" + schema + "\".", StringComparison.Ordinal);
                await using var cmd = dataSource.CreateCommand(sql);
                await cmd.ExecuteNonQueryAsync();
            }

            await using var store = new PostgreSqlWebhookStore(new PostgreSqlWebhookStoreOptions { ConnectionString = PostgresTestServer.ConnectionString, Schema = schema });
            await AssertNothingLostAsync(store);
        }
        finally
        {
            await PostgresTestServer.DropSchemaAsync(schema);
        }
    }

    private static async Task AssertNothingLostAsync(IWebhookStore store)
    {
        var destination = await store.GetDestinationAsync("t1", "d1", default);
        destination.Should().NotBeNull();
        destination!.Version.Should().Be(1);
        destination.ProtectedAuth.Should().Be("auth-blob");
        destination.CreatedAt.Should().Be(T0);

        var history = await store.QueryDeliveriesAsync(new DeliveryQuery { TenantId = "t1" }, default);
        history.Items.Select(d => d.Id).Should().BeEquivalentTo("failed", "pending", "leased");
        (await store.ListAttemptsAsync("t1", "failed", default)).Should().ContainSingle().Which.ResponseExcerpt.Should().Be("oops");
        (await store.GetCorrelationIdAsync("t1", "d1", "k", default)).Should().Be("ITEM-1");
        (await store.CountDeliveriesAsync(new DeliveryCountQuery { TenantId = "t1" }, default)).Should().Be(new DeliveryCounts(2, 0, 1));

        var leased = await store.LeaseDueAsync(new LeaseRequest { MaxCount = 10, Now = T0.AddMinutes(1), Duration = TimeSpan.FromSeconds(15) }, default);
        leased.Select(l => l.Delivery.Id).Should().BeEquivalentTo("pending", "leased");
        leased.Should().OnlyContain(l => l.Event.Id == "e1" && l.Event.TraceContext == null && l.Event.Json.Length == 11);
        var completed = await store.CompleteAsync(
            leased.Select(l => new DeliveryCompletion { TenantId = "t1", DeliveryId = l.Delivery.Id, LeaseToken = l.LeaseToken, Status = WebhookDeliveryStatus.Succeeded, CompletedAt = T0.AddMinutes(1) }).ToArray(),
            default);
        completed.Should().AllSatisfy(c => c.Should().BeTrue());

        var renamed = await store.UpdateDestinationAsync(new DestinationChange { TenantId = "t1", Id = "d1", ExpectedVersion = 1, At = T0.AddMinutes(2), Name = "New" }, default);
        renamed!.Version.Should().Be(2);
        renamed.ProtectedAuth.Should().Be("auth-blob");
    }
}
