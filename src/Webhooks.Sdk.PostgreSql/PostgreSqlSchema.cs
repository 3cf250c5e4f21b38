using System.Text.RegularExpressions;
using Npgsql;

namespace Webhooks.Sdk.PostgreSql;

/// <summary>The schema of the PostgreSQL store and its migrations, applied under an advisory lock.</summary>
internal static partial class PostgreSqlSchema
{
    /// <summary>The schema version this code writes and reads.</summary>
    public const int CurrentVersion = 2;

    private static readonly string[] Migrations =
    [
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
        """,
        """
        ALTER TABLE __s.destinations ADD COLUMN version bigint NOT NULL DEFAULT 1;
        ALTER TABLE __s.events ADD COLUMN trace_context text NULL;
        CREATE TABLE __s.instances (
            id text PRIMARY KEY,
            heartbeat_at timestamptz NOT NULL
        );
        CREATE INDEX deliveries_created ON __s.deliveries (tenant_id, created_at);
        """,
    ];

    /// <summary>Checks a schema name and returns it quoted for SQL.</summary>
    public static string Quote(string schema)
    {
        if (string.IsNullOrEmpty(schema) || schema.Length > 50 || !SchemaName().IsMatch(schema))
        {
            throw new ArgumentException($"PostgreSqlWebhookStoreOptions.Schema '{schema}' must be 1 to 50 lower-case letters, digits or underscores, starting with a letter or underscore.", nameof(schema));
        }

        return "\"" + schema + "\"";
    }

    /// <summary>Creates or migrates the schema under an advisory lock; throws when the database was written by a newer version.</summary>
    public static async Task MigrateAsync(NpgsqlConnection connection, string schema, CancellationToken cancellationToken)
    {
        var quoted = Quote(schema);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await ExecAsync(connection, tx, "SELECT pg_advisory_xact_lock(hashtext('Webhooks.Sdk schema ' || @s)::bigint);", cancellationToken, schema).ConfigureAwait(false);
        await ExecAsync(connection, tx, $"CREATE SCHEMA IF NOT EXISTS {quoted}; CREATE TABLE IF NOT EXISTS {quoted}.schema_version (version integer NOT NULL);", cancellationToken).ConfigureAwait(false);
        int version;
#pragma warning disable CA2100 // The schema name is checked by Quote; values are parameters.
        await using (var read = new NpgsqlCommand($"SELECT COALESCE(MAX(version), 0) FROM {quoted}.schema_version;", connection, tx))
#pragma warning restore CA2100
        {
            version = Convert.ToInt32(await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        }

        if (version > CurrentVersion)
        {
            throw new InvalidOperationException(
                $"The webhook store in schema '{schema}' has schema version {version}, newer than this version of Webhooks.Sdk.PostgreSql supports ({CurrentVersion}). Upgrade the Webhooks.Sdk.PostgreSql package on every instance (a database is never migrated down).");
        }

        for (var i = version; i < CurrentVersion; i++)
        {
            await ExecAsync(connection, tx, Migrations[i].Replace("__s.", quoted + ".", StringComparison.Ordinal) + $"\nINSERT INTO {quoted}.schema_version (version) VALUES ({i + 1});", cancellationToken).ConfigureAwait(false);
        }

        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task ExecAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string sql, CancellationToken cancellationToken, string? schemaParameter = null)
    {
#pragma warning disable CA2100 // Constant statements; the schema name is checked by Quote.
        await using var cmd = new NpgsqlCommand(sql, connection, tx);
#pragma warning restore CA2100
        if (schemaParameter is not null)
        {
            cmd.Parameters.AddWithValue("s", schemaParameter);
        }

        await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex SchemaName();
}
