using System.Data;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Data.Sqlite;
using Webhooks.Sdk.Relational;
using Webhooks.Sdk.Storage;
using static Webhooks.Sdk.Relational.RelationalRows;

namespace Webhooks.Sdk.Sqlite;

/// <summary>
/// The SQLite store: the durable single-node default. One file in WAL mode; the schema is created and migrated on first
/// use. Writes of this process are grouped: concurrent writes share one transaction and one commit (SQLite has one
/// writer at a time); readers never wait. Enqueue can join the
/// caller's <see cref="SqliteTransaction"/> (outbox). Passes the store contract suite in <c>Webhooks.Sdk.Testing</c>.
/// </summary>
public sealed partial class SqliteWebhookStore : IWebhookStore, IWebhookQueueStatisticsStore, IDisposable
{
    private static readonly RelationalDialect Dialect = new()
    {
        TablePrefix = "webhooks_",
        Greatest = "MAX",
        NextSequence = "(SELECT MAX(seq) + 1 FROM webhooks_deliveries)",
        LockCandidates = string.Empty,
        LockRows = string.Empty,
        WritesInWith = false,
        Time = TimeValue,
        ReadTime = static (r, i) => FromTicks(r.GetInt64(i)),
        TimeType = DbType.Int64,
        CreateCommand = static (c, tx, sql) => Command((SqliteConnection)c, (SqliteTransaction?)tx, sql),
    };

    // The writer connection of each open store, so a command made on it comes from its statement cache.
    private static readonly ConditionalWeakTable<SqliteConnection, WriterConnection> Writers = new();

    private static readonly RelationalStateMachine Queue = new(Dialect);

    private readonly string _connectionString;
    private readonly string _dataSource;
    private readonly string _pragmas;
    private const int MaxWritesPerCommit = 256;
    private readonly System.Collections.Concurrent.ConcurrentQueue<WriteOp> _pendingWrites = new();
    private readonly SchemaGate _schema = new();

    // Physical connections (pooled SQLite handles) whose PRAGMAs have run.
    private readonly ConditionalWeakTable<object, object> _configured = new();
    private WriterConnection? _writer;
    private int _writerActive;
    private int _disposed;
    private int _pragmaRuns;

    /// <summary>Initializes a new instance of the <see cref="SqliteWebhookStore"/> class.</summary>
    /// <param name="options">The options.</param>
    public SqliteWebhookStore(SqliteWebhookStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = new SqliteConnectionStringBuilder(NormalizeConnectionString(options.ConnectionString))
        {
            DefaultTimeout = Math.Max(1, (int)options.BusyTimeout.TotalSeconds),
        };
        if (builder.Mode == SqliteOpenMode.ReadOnly)
        {
            throw new ArgumentException("The SQLite webhook store needs a writable database (Mode=ReadOnly was given).", nameof(options));
        }

        _connectionString = builder.ToString();
        _dataSource = builder.DataSource;
        var synchronous = options.Synchronous == SqliteSynchronousMode.Normal ? "NORMAL" : "FULL";
        _pragmas = string.Create(CultureInfo.InvariantCulture, $"PRAGMA synchronous={synchronous}; PRAGMA busy_timeout={(long)options.BusyTimeout.TotalMilliseconds};");
    }

    /// <summary>Turns a bare file path into a connection string; leaves a connection string as it is.</summary>
    /// <param name="pathOrConnectionString">A path such as <c>data/webhooks.db</c> or a connection string such as <c>Data Source=webhooks.db</c>.</param>
    /// <returns>The connection string.</returns>
    internal static string NormalizeConnectionString(string pathOrConnectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pathOrConnectionString);
        return pathOrConnectionString.Contains('=', StringComparison.Ordinal)
            ? pathOrConnectionString
            : new SqliteConnectionStringBuilder { DataSource = pathOrConnectionString }.ToString();
    }

    /// <summary>Creates or migrates the schema now (it otherwise happens on first use).</summary>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>A task that completes when the schema is current.</returns>
    public Task InitializeAsync(CancellationToken cancellationToken = default)
        => _schema.RunOnceAsync(
            _ =>
            {
                using var connection = new SqliteConnection(_connectionString);
                try
                {
                    connection.Open();
                }
                catch (SqliteException ex)
                {
                    throw new InvalidOperationException($"Could not open the SQLite webhook store '{_dataSource}': {ex.Message}", ex);
                }

                Configure(connection);
                SqliteSchema.Migrate(connection, _dataSource);
                return Task.CompletedTask;
            },
            cancellationToken);

    /// <inheritdoc />
    public void Dispose()
    {
        Volatile.Write(ref _disposed, 1);
        if (Volatile.Read(ref _writerActive) == 0)
        {
            Interlocked.Exchange(ref _writer, null)?.Dispose();
        }

        SqliteConnection.ClearAllPools();
        _schema.Dispose();
    }

    /// <summary>Gets how many times the PRAGMAs have run (once per physical connection).</summary>
    internal int PragmaRuns => Volatile.Read(ref _pragmaRuns);

    /// <inheritdoc />
    public Task<DestinationInsertResult> InsertDestinationAsync(DestinationRecord destination, int maxPerTenant, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);

        // Writes run one at a time in one write transaction (group commit), so the count and the insert are atomic.
        return WriteAsync(
            (c, tx) =>
            {
                using (var exists = Command(c, tx, "SELECT COUNT(*) FROM webhooks_destinations WHERE tenant_id = @t AND id = @id;", ("@t", destination.TenantId), ("@id", destination.Id)))
                {
                    if (Convert.ToInt64(exists.ExecuteScalar(), CultureInfo.InvariantCulture) > 0)
                    {
                        return DestinationInsertResult.AlreadyExists;
                    }
                }

                using var cmd = Command(c, tx, $"INSERT INTO webhooks_destinations ({DestinationColumns}) SELECT @t, @id, @name, @enabled, @config, @auth, @created, @updated, @ls, @lf, @cf, @reason, 1 WHERE (SELECT COUNT(*) FROM webhooks_destinations WHERE tenant_id = @t) < @max;", ("@max", maxPerTenant));
                BindDestination(cmd, destination, Dialect);
                return cmd.ExecuteNonQuery() == 0 ? DestinationInsertResult.LimitReached : DestinationInsertResult.Inserted;
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<DestinationRecord?> GetDestinationAsync(string tenantId, string id, CancellationToken cancellationToken)
        => ReadAsync(
            c =>
            {
                using var cmd = Command(c, null, $"SELECT {DestinationColumns} FROM webhooks_destinations WHERE tenant_id = @t AND id = @id;", ("@t", tenantId), ("@id", id));
                using var r = cmd.ExecuteReader();
                return r.Read() ? ReadDestination(r) : null;
            },
            cancellationToken);

    /// <inheritdoc />
    public Task<WebhookCursorPage<DestinationRecord>> ListDestinationsAsync(DestinationListQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        return ReadAsync(
            c =>
            {
                var sql = new StringBuilder($"SELECT {DestinationColumns} FROM webhooks_destinations WHERE tenant_id = @t");
                using var cmd = Command(c, null, string.Empty);
                RelationalQueries.AppendDestinationPage(sql, cmd, query, TimeValue);
                cmd.CommandText = sql.ToString();
                return RelationalQueries.DestinationPage(ReadAll(cmd, ReadDestination), query.Limit);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<int> CountDestinationsAsync(string tenantId, CancellationToken cancellationToken)
        => ReadAsync(
            c =>
            {
                using var cmd = Command(c, null, "SELECT COUNT(*) FROM webhooks_destinations WHERE tenant_id = @t;", ("@t", tenantId));
                return Convert.ToInt32(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
            },
            cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<DestinationRecord>> GetEnabledDestinationsAsync(string tenantId, CancellationToken cancellationToken)
        => ReadAsync<IReadOnlyList<DestinationRecord>>(
            c =>
            {
                using var cmd = Command(c, null, $"SELECT {DestinationColumns} FROM webhooks_destinations WHERE tenant_id = @t AND enabled = 1;", ("@t", tenantId));
                return ReadAll(cmd, ReadDestination);
            },
            cancellationToken);

    /// <inheritdoc />
    public Task<DestinationRecord?> UpdateDestinationAsync(DestinationChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        return WriteAsync<DestinationRecord?>(
            (c, tx) =>
            {
                using var cmd = Command(c, tx, string.Empty);
                cmd.CommandText = RelationalDestinations.UpdateSql("webhooks_destinations", change, cmd, TimeValue(change.At));
                if (cmd.ExecuteNonQuery() == 0)
                {
                    using var read = Command(c, tx, $"SELECT {DestinationColumns} FROM webhooks_destinations WHERE tenant_id = @t AND id = @id;", ("@t", change.TenantId), ("@id", change.Id));
                    using var r = read.ExecuteReader();
                    return r.Read() ? throw RelationalDestinations.Conflict(change, ReadDestination(r)) : null;
                }

                using var after = Command(c, tx, $"SELECT {DestinationColumns} FROM webhooks_destinations WHERE tenant_id = @t AND id = @id;", ("@t", change.TenantId), ("@id", change.Id));
                using var reader = after.ExecuteReader();
                reader.Read();
                return ReadDestination(reader);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> DeleteDestinationAsync(string tenantId, string id, CancellationToken cancellationToken)
        => WriteAsync(
            (c, tx) =>
            {
                using var cmd = Command(c, tx, "DELETE FROM webhooks_destinations WHERE tenant_id = @t AND id = @id;", ("@t", tenantId), ("@id", id));
                if (cmd.ExecuteNonQuery() == 0)
                {
                    return false;
                }

                Exec(c, tx, "DELETE FROM webhooks_attempts WHERE tenant_id = @t AND delivery_id IN (SELECT id FROM webhooks_deliveries WHERE tenant_id = @t AND destination_id = @id AND status = 0);", ("@t", tenantId), ("@id", id));
                Exec(c, tx, "DELETE FROM webhooks_deliveries WHERE tenant_id = @t AND destination_id = @id AND status = 0;", ("@t", tenantId), ("@id", id));
                Exec(c, tx, "DELETE FROM webhooks_correlation WHERE tenant_id = @t AND destination_id = @id;", ("@t", tenantId), ("@id", id));
                return true;
            },
            cancellationToken);

    /// <inheritdoc />
    public Task<DestinationOutcomeResult?> RecordDestinationOutcomeAsync(DestinationOutcome outcome, CancellationToken cancellationToken)
        => WriteInTransactionAsync((c, tx) => RelationalDestinations.RecordOutcomeAsync(c, tx, Dialect, outcome, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task EnqueueAsync(EnqueueBatch batch, CancellationToken cancellationToken)
        => RelationalOutbox.EnqueueAsync<SqliteTransaction>(
            batch,
            "SQLite",
            () => WriteAsync((c, tx) => Enqueue(c, tx, batch), cancellationToken),
            async callerTx =>
            {
                await InitializeAsync(cancellationToken).ConfigureAwait(false);
                Enqueue(callerTx.Connection!, callerTx, batch);
            });

    /// <inheritdoc />
    public async Task<IReadOnlyList<bool>> EnqueueLeasedAsync(EnqueueBatch batch, EnqueueLease lease, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var leased = EnqueueLeaseRule.Apply(batch, lease);
        await RelationalOutbox.EnqueueAsync<SqliteTransaction>(
            batch,
            "SQLite",
            () => WriteAsync((c, tx) => Enqueue(c, tx, batch, lease, leased), cancellationToken),
            async callerTx =>
            {
                await InitializeAsync(cancellationToken).ConfigureAwait(false);
                Enqueue(callerTx.Connection!, callerTx, batch, lease, leased);
            }).ConfigureAwait(false);
        return leased;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<LeasedDelivery>> LeaseDueAsync(LeaseRequest request, CancellationToken cancellationToken)
        => WriteInTransactionAsync((c, tx) => Queue.LeaseAsync(c, tx, request, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<LeaseHandle>> RenewLeasesAsync(LeaseRenewal renewal, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(renewal);
        return WriteAsync<IReadOnlyList<LeaseHandle>>(
            (c, tx) =>
            {
                var renewed = new List<LeaseHandle>(renewal.Leases.Count);
                var expires = (renewal.Now + renewal.Duration).UtcTicks;
                using var update = Command(c, tx, "UPDATE webhooks_deliveries SET lease_expires_at = @exp, ready_at = @exp WHERE tenant_id = @t AND id = @d AND status = 0 AND lease_token = @token;", ("@exp", expires), ("@t", null), ("@d", null), ("@token", null));
                foreach (var lease in renewal.Leases)
                {
                    update.Parameters["@t"].Value = lease.TenantId;
                    update.Parameters["@d"].Value = lease.DeliveryId;
                    update.Parameters["@token"].Value = lease.LeaseToken;
                    if (update.ExecuteNonQuery() > 0)
                    {
                        renewed.Add(lease);
                    }
                }

                return renewed;
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<bool>> CompleteAsync(IReadOnlyList<DeliveryCompletion> completions, CancellationToken cancellationToken)
        => WriteInTransactionAsync((c, tx) => Queue.CompleteAsync(c, tx, completions, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task<DateTimeOffset?> GetNextDueTimeAsync(CancellationToken cancellationToken)
        => ReadAsync(
            c =>
            {
                using var cmd = Command(c, null, "SELECT MIN(ready_at) FROM webhooks_deliveries WHERE status = 0;");
                return cmd.ExecuteScalar() is long ticks ? FromTicks(ticks) : (DateTimeOffset?)null;
            },
            cancellationToken);

    /// <inheritdoc />
    public Task RecordTestDeliveryAsync(StoredEvent evt, DeliveryRecord delivery, AttemptRecord attempt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(evt);
        ArgumentNullException.ThrowIfNull(delivery);
        ArgumentNullException.ThrowIfNull(attempt);
        return WriteAsync(
            (c, tx) =>
            {
                Enqueue(c, tx, new EnqueueBatch { Event = evt, Deliveries = [delivery] });
                using var insert = Command(c, tx, $"INSERT INTO webhooks_attempts ({AttemptColumns}) VALUES (@t, @d, @n, @start, @dur, @code, @ok, @err, @excerpt);");
                RelationalRows.BindAttempt(insert, delivery.TenantId, delivery.Id, attempt, Dialect);
                insert.ExecuteNonQuery();
                return true;
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<DeliveryRecord?> GetDeliveryAsync(string tenantId, string deliveryId, CancellationToken cancellationToken)
        => ReadAsync(
            c =>
            {
                using var cmd = Command(c, null, $"SELECT {DeliveryColumns} FROM webhooks_deliveries d WHERE d.tenant_id = @t AND d.id = @id;", ("@t", tenantId), ("@id", deliveryId));
                using var r = cmd.ExecuteReader();
                return r.Read() ? ReadDelivery(r) : null;
            },
            cancellationToken);

    /// <inheritdoc />
    public Task<WebhookCursorPage<DeliveryRecord>> QueryDeliveriesAsync(DeliveryQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        return ReadAsync(
            c =>
            {
                var sql = new StringBuilder($"SELECT {DeliveryColumns} FROM webhooks_deliveries d WHERE d.tenant_id = @t");
                using var cmd = Command(c, null, string.Empty);
                RelationalQueries.AppendDeliveryFilters(sql, cmd, query, TimeValue);
                cmd.CommandText = sql.ToString();
                return RelationalQueries.DeliveryPage(ReadAll(cmd, ReadDelivery), query.Limit);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<DeliveryCounts> CountDeliveriesAsync(DeliveryCountQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        return ReadAsync(
            c =>
            {
                var sql = new StringBuilder("SELECT status, COUNT(*) FROM webhooks_deliveries WHERE tenant_id = @t");
                using var cmd = Command(c, null, string.Empty);
                RelationalQueries.AppendCountFilters(sql, cmd, query, TimeValue);
                cmd.CommandText = sql.ToString();
                var counts = new DeliveryCounts(0, 0, 0);
                using var r = cmd.ExecuteReader();
                while (r.Read())
                {
                    counts = RelationalQueries.AddCount(counts, r.GetInt32(0), r.GetInt64(1));
                }

                return counts;
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<DateTimeOffset?> GetOldestDueTimeAsync(string? tenantId, DateTimeOffset now, CancellationToken cancellationToken)
        => ReadAsync(
            c =>
            {
                using var cmd = Command(c, null, tenantId is null ? "SELECT MIN(due_at) FROM webhooks_deliveries WHERE status = 0 AND ready_at <= @now;" : "SELECT MIN(due_at) FROM webhooks_deliveries WHERE status = 0 AND ready_at <= @now AND tenant_id = @t;", ("@now", now.UtcTicks), ("@t", tenantId));
                return cmd.ExecuteScalar() is long ticks ? FromTicks(ticks) : (DateTimeOffset?)null;
            },
            cancellationToken);

    /// <inheritdoc />
    public async Task<WebhookQueueCounts> GetQueueCountsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var cmd = connection.CreateCommand();
            return await RelationalQueries.QueueCountsAsync(cmd, Dialect, now, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<AttemptRecord>> ListAttemptsAsync(string tenantId, string deliveryId, CancellationToken cancellationToken)
        => ReadAsync<IReadOnlyList<AttemptRecord>>(
            c =>
            {
                using var cmd = Command(c, null, $"SELECT {AttemptColumns} FROM webhooks_attempts WHERE tenant_id = @t AND delivery_id = @d ORDER BY number, rowid;", ("@t", tenantId), ("@d", deliveryId));
                return ReadAll(cmd, r => ReadAttempt(r, Dialect));
            },
            cancellationToken);

    /// <inheritdoc />
    public Task<bool> RequeueDeliveryAsync(string tenantId, string deliveryId, DateTimeOffset now, CancellationToken cancellationToken)
        => WriteInTransactionAsync((c, tx) => Queue.RequeueAsync(c, tx, tenantId, deliveryId, now, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task<int> RequeueFailedAsync(string tenantId, string destinationId, DateTimeOffset since, DateTimeOffset now, CancellationToken cancellationToken)
        => WriteInTransactionAsync((c, tx) => Queue.RequeueFailedAsync(c, tx, tenantId, destinationId, since, now, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task<string?> GetCorrelationIdAsync(string tenantId, string destinationId, string correlationKey, CancellationToken cancellationToken)
        => ReadAsync(
            c =>
            {
                using var cmd = Command(c, null, "SELECT correlation_id FROM webhooks_correlation WHERE tenant_id = @t AND destination_id = @d AND correlation_key = @k;", ("@t", tenantId), ("@d", destinationId), ("@k", correlationKey));
                return cmd.ExecuteScalar() as string;
            },
            cancellationToken);

    /// <inheritdoc />
    public Task SetCorrelationIdAsync(string tenantId, string destinationId, string correlationKey, string correlationId, CancellationToken cancellationToken)
        => WriteAsync(
            (c, tx) => Exec(c, tx, "INSERT INTO webhooks_correlation (tenant_id, destination_id, correlation_key, correlation_id) VALUES (@t, @d, @k, @v) ON CONFLICT (tenant_id, destination_id, correlation_key) DO UPDATE SET correlation_id = excluded.correlation_id;", ("@t", tenantId), ("@d", destinationId), ("@k", correlationKey), ("@v", correlationId)),
            cancellationToken);

    /// <inheritdoc />
    public Task<bool> ClearCorrelationIdAsync(string tenantId, string destinationId, string correlationKey, CancellationToken cancellationToken)
        => WriteAsync(
            (c, tx) => Exec(c, tx, "DELETE FROM webhooks_correlation WHERE tenant_id = @t AND destination_id = @d AND correlation_key = @k;", ("@t", tenantId), ("@d", destinationId), ("@k", correlationKey)) > 0,
            cancellationToken);

    /// <inheritdoc />
    public Task HeartbeatAsync(string instanceId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(instanceId);
        return WriteAsync(
            (c, tx) => Exec(c, tx, "INSERT INTO webhooks_instances (id, heartbeat_at) VALUES (@id, @now) ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at;", ("@id", instanceId), ("@now", now.UtcTicks)),
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<int> CountLiveInstancesAsync(DateTimeOffset since, CancellationToken cancellationToken)
        => ReadAsync(
            c =>
            {
                using var cmd = Command(c, null, "SELECT COUNT(*) FROM webhooks_instances WHERE heartbeat_at >= @since;", ("@since", since.UtcTicks));
                return Convert.ToInt32(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
            },
            cancellationToken);

    /// <inheritdoc />
    public Task RemoveInstanceAsync(string instanceId, CancellationToken cancellationToken)
        => WriteAsync((c, tx) => Exec(c, tx, "DELETE FROM webhooks_instances WHERE id = @id;", ("@id", instanceId)), cancellationToken);

    /// <inheritdoc />
    public Task<int> PurgeHistoryAsync(DateTimeOffset olderThan, int batchSize, CancellationToken cancellationToken)
        => WriteAsync(
            (c, tx) =>
            {
                Exec(c, tx, "CREATE TEMP TABLE IF NOT EXISTS webhooks_purge (seq INTEGER PRIMARY KEY, tenant_id TEXT, id TEXT, event_id TEXT); DELETE FROM temp.webhooks_purge;");
                var n = Exec(c, tx, "INSERT INTO temp.webhooks_purge SELECT seq, tenant_id, id, event_id FROM webhooks_deliveries WHERE status <> 0 AND completed_at < @cut ORDER BY seq LIMIT @n;", ("@cut", olderThan.UtcTicks), ("@n", batchSize));
                if (n > 0)
                {
                    Exec(c, tx, "DELETE FROM webhooks_attempts WHERE EXISTS (SELECT 1 FROM temp.webhooks_purge p WHERE p.tenant_id = webhooks_attempts.tenant_id AND p.id = webhooks_attempts.delivery_id);");
                    Exec(c, tx, "DELETE FROM webhooks_deliveries WHERE seq IN (SELECT seq FROM temp.webhooks_purge);");
                    Exec(c, tx, "DELETE FROM webhooks_events WHERE EXISTS (SELECT 1 FROM temp.webhooks_purge p WHERE p.tenant_id = webhooks_events.tenant_id AND p.event_id = webhooks_events.id) AND NOT EXISTS (SELECT 1 FROM webhooks_deliveries d WHERE d.tenant_id = webhooks_events.tenant_id AND d.event_id = webhooks_events.id);");
                }

                Exec(c, tx, "DELETE FROM temp.webhooks_purge;");
                return n;
            },
            cancellationToken);

    private static bool Enqueue(SqliteConnection c, SqliteTransaction tx, EnqueueBatch batch, EnqueueLease? lease = null, bool[]? leased = null)
    {
        var evt = batch.Event;
        using (var insertEvent = Command(c, tx, "INSERT INTO webhooks_events (tenant_id, id, type, occurred_at, json, trace_context) VALUES (@t, @id, @type, @at, @json, @trace) ON CONFLICT DO NOTHING;", ("@t", evt.TenantId), ("@id", evt.Id), ("@type", evt.Type), ("@at", evt.OccurredAt.UtcTicks), ("@json", RelationalRows.JsonArray(evt.Json)), ("@trace", evt.TraceContext)))
        {
            insertEvent.ExecuteNonQuery();
        }

        using var insert = Command(
            c,
            tx,
            "INSERT INTO webhooks_deliveries (tenant_id, id, event_id, event_type, destination_id, status, attempt_count, max_attempts, created_at, due_at, ready_at, completed_at, ordering_key, last_status_code, last_error, is_test, lease_token, lease_expires_at) VALUES (@t, @id, @e, @type, @dest, @status, @ac, @max, @created, @due, @ready, @completed, @key, @code, @err, @test, @lt, @lx);",
            ("@t", null),
            ("@id", null),
            ("@e", null),
            ("@type", null),
            ("@dest", null),
            ("@status", null),
            ("@ac", null),
            ("@max", null),
            ("@created", null),
            ("@due", null),
            ("@completed", null),
            ("@key", null),
            ("@code", null),
            ("@err", null),
            ("@test", null),
            ("@ready", null),
            ("@lt", null),
            ("@lx", null));
        var p = insert.Parameters;
        insert.Prepare();
        for (var i = 0; i < batch.Deliveries.Count; i++)
        {
            var d = batch.Deliveries[i];

            // Written leased (handed to this process's workers): due again, as any lease, when it expires.
            var isLeased = leased is not null && leased[i];
            p["@t"].Value = d.TenantId;
            p["@id"].Value = d.Id;
            p["@e"].Value = d.EventId;
            p["@type"].Value = d.EventType;
            p["@dest"].Value = d.DestinationId;
            p["@status"].Value = (int)d.Status;
            p["@ac"].Value = d.AttemptCount;
            p["@max"].Value = d.MaxAttempts;
            p["@created"].Value = d.CreatedAt.UtcTicks;
            p["@due"].Value = d.DueAt.UtcTicks;
            p["@completed"].Value = Ticks(d.CompletedAt) ?? (object)DBNull.Value;
            p["@key"].Value = (object?)d.OrderingKey ?? DBNull.Value;
            p["@code"].Value = (object?)d.LastStatusCode ?? DBNull.Value;
            p["@err"].Value = (object?)d.LastError ?? DBNull.Value;
            p["@test"].Value = d.IsTest;
            p["@ready"].Value = isLeased ? lease!.LeaseExpiresAt.UtcTicks : d.DueAt.UtcTicks;
            p["@lt"].Value = isLeased ? lease!.LeaseToken : DBNull.Value;
            p["@lx"].Value = isLeased ? lease!.LeaseExpiresAt.UtcTicks : DBNull.Value;
            insert.ExecuteNonQuery();
        }

        return true;
    }

    private static DestinationRecord ReadDestination(SqliteDataReader r) => RelationalRows.ReadDestination(r, Dialect);

    private static DeliveryRecord ReadDelivery(SqliteDataReader r) => RelationalRows.ReadDelivery(r, Dialect);

    private static List<T> ReadAll<T>(SqliteCommand cmd, Func<SqliteDataReader, T> read)
    {
        var list = new List<T>();
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            list.Add(read(r));
        }

        return list;
    }

#pragma warning disable CA2100 // Every statement is a constant of this class; values are always parameters.
    private static SqliteCommand Command(SqliteConnection c, SqliteTransaction? tx, string sql, params (string Name, object? Value)[] parameters)
    {
        SqliteCommand cmd;
        if (sql.Length > 0 && Writers.TryGetValue(c, out var writer))
        {
            cmd = writer.Rent(sql);
        }
        else
        {
            cmd = c.CreateCommand();
            cmd.CommandText = sql;
        }

        cmd.Transaction = tx;
        var existing = cmd.Parameters;
        foreach (var (name, value) in parameters)
        {
            // A cached command keeps its parameters (its text fixes them): set the value, allocate nothing.
            if (existing.Count > 0 && existing.IndexOf(name) is var i and >= 0)
            {
                existing[i].Value = value ?? DBNull.Value;
            }
            else
            {
                existing.AddWithValue(name, value ?? DBNull.Value);
            }
        }

        return cmd;
    }
#pragma warning restore CA2100

    private static int Exec(SqliteConnection c, SqliteTransaction? tx, string sql, params (string Name, object? Value)[] parameters)
    {
        using var cmd = Command(c, tx, sql, parameters);
        return cmd.ExecuteNonQuery();
    }

    private static long? Ticks(DateTimeOffset? value) => value?.UtcTicks;

    private static object TimeValue(DateTimeOffset value) => value.UtcTicks;

    private static DateTimeOffset FromTicks(long ticks) => new(ticks, TimeSpan.Zero);

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            Configure(connection);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Runs the PRAGMAs once per physical connection (a pooled connection keeps them).</summary>
    private void Configure(SqliteConnection connection)
    {
        var handle = (object?)connection.Handle ?? connection;
        if (_configured.TryGetValue(handle, out _))
        {
            return;
        }

        Exec(connection, null, _pragmas);
        Interlocked.Increment(ref _pragmaRuns);
        _configured.AddOrUpdate(handle, handle);
    }

    private async Task<T> ReadAsync<T>(Func<SqliteConnection, T> read, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return read(connection);
        }
    }

    private Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, T> write, CancellationToken cancellationToken)
        => WriteInTransactionAsync((c, tx) => Task.FromResult(write(c, tx)), cancellationToken);

    private async Task<T> WriteInTransactionAsync<T>(Func<SqliteConnection, SqliteTransaction, Task<T>> write, CancellationToken cancellationToken)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        var op = new WriteOp(async (c, tx) => await write(c, tx).ConfigureAwait(false));
        _pendingWrites.Enqueue(op);
        if (Interlocked.CompareExchange(ref _writerActive, 1, 0) == 0)
        {
            _ = Task.Run(WriterLoopAsync, CancellationToken.None);
        }

        return (T)(await op.Done.Task.ConfigureAwait(false))!;
    }

    /// <summary>
    /// Group commit: one writer takes every write queued meanwhile into one transaction (each in its own savepoint, so
    /// one failing write does not undo the others) and commits once. Every caller still returns only after the commit
    /// that holds its write; concurrent callers share the fsync.
    /// </summary>
    private async Task WriterLoopAsync()
    {
        do
        {
            try
            {
                // One writer connection for the store's life: its statements are prepared once and reused, its
                // PRAGMAs ran when it opened. It is opened again only after a failed commit.
                var writer = _writer;
                if (writer is null)
                {
                    writer = new WriterConnection(await OpenAsync(CancellationToken.None).ConfigureAwait(false));
                    _writer = writer;
                }

                var batch = new List<WriteOp>(MaxWritesPerCommit);
                while (!_pendingWrites.IsEmpty)
                {
                    batch.Clear();
                    while (batch.Count < MaxWritesPerCommit && _pendingWrites.TryDequeue(out var op))
                    {
                        batch.Add(op);
                    }

                    if (!await RunBatchAsync(writer.Connection, batch).ConfigureAwait(false))
                    {
                        _writer = null;
                        writer.Dispose();
                        break;
                    }
                }
            }
#pragma warning disable CA1031 // The failure goes to every caller whose write could not run.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Interlocked.Exchange(ref _writer, null)?.Dispose();
                while (_pendingWrites.TryDequeue(out var op))
                {
                    op.Done.TrySetException(ex);
                }
            }
            finally
            {
                Volatile.Write(ref _writerActive, 0);

                // Disposed meanwhile: Dispose saw this loop running and left the writer to it.
                if (Volatile.Read(ref _disposed) != 0)
                {
                    Interlocked.Exchange(ref _writer, null)?.Dispose();
                }
            }
        }
        while (!_pendingWrites.IsEmpty && Interlocked.CompareExchange(ref _writerActive, 1, 0) == 0);
    }

    /// <returns><see langword="false"/> when the transaction itself failed (the connection is opened again).</returns>
    private static async Task<bool> RunBatchAsync(SqliteConnection connection, List<WriteOp> batch)
    {
        var results = new object?[batch.Count];
        var errors = new Exception?[batch.Count];
        try
        {
            using var tx = connection.BeginTransaction(deferred: false);
            if (batch.Count == 1)
            {
                results[0] = await batch[0].Work(connection, tx).ConfigureAwait(false);
            }
            else
            {
                for (var i = 0; i < batch.Count; i++)
                {
                    Exec(connection, tx, "SAVEPOINT w;");
                    try
                    {
                        results[i] = await batch[i].Work(connection, tx).ConfigureAwait(false);
                        Exec(connection, tx, "RELEASE w;");
                    }
#pragma warning disable CA1031 // The failure belongs to this write alone; the others in the batch go on.
                    catch (Exception ex)
#pragma warning restore CA1031
                    {
                        errors[i] = ex;
                        Exec(connection, tx, "ROLLBACK TO w; RELEASE w;");
                    }
                }
            }

            tx.Commit();
        }
#pragma warning disable CA1031 // Nothing of the batch was committed: every caller gets the failure.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            foreach (var op in batch)
            {
                op.Done.TrySetException(ex);
            }

            return false;
        }

        for (var i = 0; i < batch.Count; i++)
        {
            if (errors[i] is { } error)
            {
                batch[i].Done.TrySetException(error);
            }
            else
            {
                batch[i].Done.TrySetResult(results[i]);
            }
        }

        return true;
    }

    /// <summary>
    /// The writer connection and its statement cache: a command made on it with a given statement is the same command
    /// each time (Microsoft.Data.Sqlite keeps a command's prepared statements until its text changes or it is
    /// disposed), so the hot writes are compiled once per connection, not once per call.
    /// </summary>
    private sealed class WriterConnection : IDisposable
    {
        private const int MaxCached = 128;
        private readonly Dictionary<string, CachedCommand> _commands = new(StringComparer.Ordinal);
        private int _disposed;

        public WriterConnection(SqliteConnection connection)
        {
            Connection = connection;
            Writers.AddOrUpdate(connection, this);
        }

        public SqliteConnection Connection { get; }

        /// <summary>Takes the cached command of a statement (only the writer loop uses the connection: no lock).</summary>
        public CachedCommand Rent(string sql)
        {
            if (!_commands.Remove(sql, out var cmd))
            {
                cmd = new CachedCommand(this, sql) { Connection = Connection, CommandText = sql };
            }

            return cmd;
        }

        /// <summary>Puts a command back (statements and parameters kept, values dropped); <see langword="false"/> to dispose it.</summary>
        public bool Return(CachedCommand cmd)
        {
            if (Volatile.Read(ref _disposed) != 0 || !string.Equals(cmd.CommandText, cmd.Key, StringComparison.Ordinal) || _commands.Count >= MaxCached || _commands.ContainsKey(cmd.Key))
            {
                return false;
            }

            // The parameters stay (the next use of this text sets the same ones); their values are dropped.
            foreach (SqliteParameter parameter in cmd.Parameters)
            {
                parameter.Value = DBNull.Value;
            }

            cmd.Transaction = null;
            _commands[cmd.Key] = cmd;
            return true;
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }

            Writers.Remove(Connection);
            foreach (var cmd in _commands.Values)
            {
                cmd.Dispose();
            }

            _commands.Clear();
            Connection.Dispose();
        }
    }

    /// <summary>A command of the writer's cache: disposing it returns it to the cache.</summary>
    private sealed class CachedCommand(WriterConnection owner, string key) : SqliteCommand
    {
        public string Key { get; } = key;

        protected override void Dispose(bool disposing)
        {
            if (disposing && owner.Return(this))
            {
                return;
            }

            base.Dispose(disposing);
        }
    }

    private sealed class WriteOp(Func<SqliteConnection, SqliteTransaction, Task<object?>> work)
    {
        public Func<SqliteConnection, SqliteTransaction, Task<object?>> Work { get; } = work;

        public TaskCompletionSource<object?> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
