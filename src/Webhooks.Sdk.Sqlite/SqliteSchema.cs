using Microsoft.Data.Sqlite;

namespace Webhooks.Sdk.Sqlite;

/// <summary>The schema of the SQLite store and its migrations; the version lives in <c>webhooks_schema_version</c>.</summary>
internal static class SqliteSchema
{
    /// <summary>The schema version this code writes and reads.</summary>
    public const int CurrentVersion = 2;

    private static readonly string[] Migrations =
    [
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
        """,
        """
        ALTER TABLE webhooks_destinations ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
        ALTER TABLE webhooks_events ADD COLUMN trace_context TEXT NULL;
        CREATE TABLE webhooks_instances (
            id TEXT NOT NULL PRIMARY KEY,
            heartbeat_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX webhooks_deliveries_created ON webhooks_deliveries (tenant_id, created_at);
        """,
    ];

    /// <summary>Creates or migrates the schema; throws when the database was written by a newer version.</summary>
    public static void Migrate(SqliteConnection connection, string dataSource)
    {
        using (var wal = connection.CreateCommand())
        {
            wal.CommandText = "PRAGMA journal_mode=WAL;";
            wal.ExecuteNonQuery();
        }

        using var tx = connection.BeginTransaction(deferred: false);
        using (var create = connection.CreateCommand())
        {
            create.Transaction = tx;
            create.CommandText = "CREATE TABLE IF NOT EXISTS webhooks_schema_version (version INTEGER NOT NULL);";
            create.ExecuteNonQuery();
        }

        long version;
        using (var read = connection.CreateCommand())
        {
            read.Transaction = tx;
            read.CommandText = "SELECT MAX(version) FROM webhooks_schema_version;";
            version = read.ExecuteScalar() is long v ? v : 0;
        }

        if (version > CurrentVersion)
        {
            throw new InvalidOperationException(
                $"The webhook store in '{dataSource}' has schema version {version}, newer than this version of Webhooks.Sdk.Sqlite supports ({CurrentVersion}). Upgrade the Webhooks.Sdk.Sqlite package (a database is never migrated down).");
        }

        for (var i = (int)version; i < CurrentVersion; i++)
        {
            using var migrate = connection.CreateCommand();
            migrate.Transaction = tx;
            migrate.CommandText = Migrations[i] + $"\nINSERT INTO webhooks_schema_version (version) VALUES ({i + 1});";
            migrate.ExecuteNonQuery();
        }

        tx.Commit();
    }
}
