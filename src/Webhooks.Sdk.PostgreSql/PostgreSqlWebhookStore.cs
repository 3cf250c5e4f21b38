using System.Data;
using System.Text;
using Npgsql;
using NpgsqlTypes;
using Webhooks.Sdk.Relational;
using Webhooks.Sdk.Storage;
using static Webhooks.Sdk.Relational.RelationalRows;

namespace Webhooks.Sdk.PostgreSql;

/// <summary>
/// The PostgreSQL store: one queue shared by many application instances. Instances lease with
/// <c>FOR UPDATE SKIP LOCKED</c>, so each due delivery goes to one of them; after an enqueue commits a NOTIFY (shared by
/// concurrent enqueues; inside the caller's transaction for an outbox publish) wakes the dispatchers of all instances. The schema is created and migrated on first use under an advisory lock. Enqueue can
/// join the caller's <see cref="NpgsqlTransaction"/> (outbox). Passes the store contract suite in <c>Webhooks.Sdk.Testing</c>.
/// </summary>
public sealed partial class PostgreSqlWebhookStore : IWebhookStore, IWebhookQueueStatisticsStore, IAsyncDisposable, IDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly bool _ownsDataSource;
    private readonly string _schema;
    private readonly string _s;
    private readonly string _channel;
    private readonly RelationalDialect _dialect;
    private readonly RelationalStateMachine _queue;
    private readonly SchemaGate _schemaGate = new();
    private int _notifyPending;
    private int _notifyRunning;

    /// <summary>Initializes a new instance of the <see cref="PostgreSqlWebhookStore"/> class with its own data source built from <see cref="PostgreSqlWebhookStoreOptions.ConnectionString"/>.</summary>
    /// <param name="options">The options.</param>
    public PostgreSqlWebhookStore(PostgreSqlWebhookStoreOptions options)
        : this(CreateDataSource(RequireConnectionString(options)), options, ownsDataSource: true)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PostgreSqlWebhookStore"/> class on a data source the caller owns.</summary>
    /// <param name="dataSource">The data source.</param>
    /// <param name="options">The options (the connection string is ignored).</param>
    public PostgreSqlWebhookStore(NpgsqlDataSource dataSource, PostgreSqlWebhookStoreOptions options)
        : this(dataSource, options, ownsDataSource: false)
    {
    }

    private PostgreSqlWebhookStore(NpgsqlDataSource dataSource, PostgreSqlWebhookStoreOptions options, bool ownsDataSource)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(options);
        _dataSource = dataSource;
        _ownsDataSource = ownsDataSource;
        _schema = options.Schema;
        _s = PostgreSqlSchema.Quote(options.Schema);
        _channel = options.Channel;
        _dialect = new RelationalDialect
        {
            TablePrefix = _s + ".",
            Greatest = "GREATEST",
            NextSequence = $"nextval('{_s}.delivery_seq')",
            LockCandidates = " FOR UPDATE OF c SKIP LOCKED",
            LockRows = " FOR UPDATE",
            WritesInWith = true,
            Time = TimeValue,
            ReadTime = static (r, i) => r.GetFieldValue<DateTimeOffset>(i),
            TimeType = DbType.DateTimeOffset,
            LeaseCommitPrefix = options.RelaxedQueueCommits ? "SELECT set_config('synchronous_commit', 'off', true);\n" : string.Empty,
            CompletionCommitPrefix = options.RelaxedQueueCommits ? "SET LOCAL synchronous_commit = off;\n" : string.Empty,
        };
        _queue = new RelationalStateMachine(_dialect);
    }

    /// <summary>Gets the data source the store uses.</summary>
    internal NpgsqlDataSource DataSource => _dataSource;

    /// <summary>Gets the NOTIFY channel on which the store announces new work.</summary>
    internal string Channel => _channel;

    /// <summary>Creates or migrates the schema now (it otherwise happens on first use).</summary>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>A task that completes when the schema is current.</returns>
    public Task InitializeAsync(CancellationToken cancellationToken = default)
        => _schemaGate.RunOnceAsync(
            async ct =>
            {
                NpgsqlConnection connection;
                try
                {
                    connection = await _dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is NpgsqlException or System.Net.Sockets.SocketException or TimeoutException)
                {
                    var b = new NpgsqlConnectionStringBuilder(_dataSource.ConnectionString);
                    throw new InvalidOperationException($"Could not connect to the PostgreSQL webhook store (Host={b.Host}; Port={b.Port}; Database={b.Database}): {ex.Message}. The dispatcher keeps retrying.", ex);
                }

                await using (connection.ConfigureAwait(false))
                {
                    await PostgreSqlSchema.MigrateAsync(connection, _schema, ct).ConfigureAwait(false);
                }
            },
            cancellationToken);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_ownsDataSource)
        {
            await _dataSource.DisposeAsync().ConfigureAwait(false);
        }

        _schemaGate.Dispose();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsDataSource)
        {
            _dataSource.Dispose();
        }

        _schemaGate.Dispose();
    }

    /// <inheritdoc />
    public Task<DestinationInsertResult> InsertDestinationAsync(DestinationRecord destination, int maxPerTenant, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);

        // A transaction-scoped advisory lock per tenant serializes inserts of one tenant across every instance, so the
        // count and the insert are one atomic step (a plain INSERT ... WHERE count < cap races under READ COMMITTED).
        return InTransactionAsync(
            async (c, tx) =>
            {
                await using var cmd = Command(
                    c,
                    tx,
                    $"""
                    SELECT pg_advisory_xact_lock(hashtext(@lock)::bigint);
                    WITH existing AS (SELECT 1 FROM {_s}.destinations WHERE tenant_id = @t AND id = @id),
                    ins AS (
                      INSERT INTO {_s}.destinations ({DestinationColumns})
                      SELECT @t, @id, @name, @enabled, @config, @auth, @created, @updated, @ls, @lf, @cf, @reason, 1
                      WHERE NOT EXISTS (SELECT 1 FROM existing) AND (SELECT COUNT(*) FROM {_s}.destinations WHERE tenant_id = @t) < @max
                      RETURNING 1)
                    SELECT CASE WHEN EXISTS (SELECT 1 FROM existing) THEN 1 WHEN EXISTS (SELECT 1 FROM ins) THEN 0 ELSE 2 END;
                    """);
                Text(cmd, "lock", "Webhooks.Sdk destinations " + _schema + " " + destination.TenantId);
                Int(cmd, "max", maxPerTenant);
                BindDestination(cmd, destination, _dialect);
                await using var r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await r.NextResultAsync(cancellationToken).ConfigureAwait(false);
                await r.ReadAsync(cancellationToken).ConfigureAwait(false);
                return (DestinationInsertResult)r.GetInt32(0);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public async Task<DestinationRecord?> GetDestinationAsync(string tenantId, string id, CancellationToken cancellationToken)
        => (await QueryAsync($"SELECT {DestinationColumns} FROM {_s}.destinations WHERE tenant_id = @t AND id = @id;", cmd => { Text(cmd, "t", tenantId); Text(cmd, "id", id); }, ReadDestination, cancellationToken).ConfigureAwait(false)).FirstOrDefault();

    /// <inheritdoc />
    public async Task<WebhookCursorPage<DestinationRecord>> ListDestinationsAsync(DestinationListQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var sql = new StringBuilder(CultureInvariant($"SELECT {DestinationColumns} FROM {_s}.destinations WHERE tenant_id = @t"));
        using var bound = new NpgsqlCommand();
        RelationalQueries.AppendDestinationPage(sql, bound, query, TimeValue);
        var rows = await QueryAsync(sql.ToString(), cmd => CopyParameters(bound, cmd), ReadDestination, cancellationToken).ConfigureAwait(false);
        return RelationalQueries.DestinationPage(rows, query.Limit);
    }

    /// <inheritdoc />
    public async Task<int> CountDestinationsAsync(string tenantId, CancellationToken cancellationToken)
        => (await QueryAsync($"SELECT COUNT(*)::integer FROM {_s}.destinations WHERE tenant_id = @t;", cmd => Text(cmd, "t", tenantId), r => r.GetInt32(0), cancellationToken).ConfigureAwait(false))[0];

    /// <inheritdoc />
    public async Task<IReadOnlyList<DestinationRecord>> GetEnabledDestinationsAsync(string tenantId, CancellationToken cancellationToken)
        => await QueryAsync($"SELECT {DestinationColumns} FROM {_s}.destinations WHERE tenant_id = @t AND enabled;", cmd => Text(cmd, "t", tenantId), ReadDestination, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public Task<DestinationRecord?> UpdateDestinationAsync(DestinationChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        return InTransactionAsync<DestinationRecord?>(
            async (c, tx) =>
            {
                int updated;
                await using (var cmd = Command(c, tx, string.Empty))
                {
                    cmd.CommandText = RelationalDestinations.UpdateSql(_s + ".destinations", change, cmd, TimeValue(change.At));
                    updated = await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                DestinationRecord? current = null;
                await using (var read = Command(c, tx, $"SELECT {DestinationColumns} FROM {_s}.destinations WHERE tenant_id = @t AND id = @id;"))
                {
                    Text(read, "t", change.TenantId);
                    Text(read, "id", change.Id);
                    await using var r = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    if (await r.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        current = ReadDestination(r);
                    }
                }

                return updated == 0 && current is not null ? throw RelationalDestinations.Conflict(change, current) : current;
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public async Task<bool> DeleteDestinationAsync(string tenantId, string id, CancellationToken cancellationToken)
        => await ExecAsync(
            $"""
            WITH dest AS (DELETE FROM {_s}.destinations WHERE tenant_id = @t AND id = @id RETURNING tenant_id, id),
            pending AS (DELETE FROM {_s}.deliveries d USING dest WHERE d.tenant_id = dest.tenant_id AND d.destination_id = dest.id AND d.status = 0 RETURNING d.tenant_id, d.id),
            attempts AS (DELETE FROM {_s}.attempts a USING pending p WHERE a.tenant_id = p.tenant_id AND a.delivery_id = p.id),
            corr AS (DELETE FROM {_s}.correlation c USING dest WHERE c.tenant_id = dest.tenant_id AND c.destination_id = dest.id)
            SELECT 1 FROM dest;
            """,
            cmd =>
            {
                Text(cmd, "t", tenantId);
                Text(cmd, "id", id);
            },
            cancellationToken,
            countRows: true).ConfigureAwait(false) > 0;

    /// <inheritdoc />
    public Task<DestinationOutcomeResult?> RecordDestinationOutcomeAsync(DestinationOutcome outcome, CancellationToken cancellationToken)
        => InTransactionAsync((c, tx) => RelationalDestinations.RecordOutcomeAsync(c, tx, _dialect, outcome, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<LeasedDelivery>> LeaseDueAsync(LeaseRequest request, CancellationToken cancellationToken)
        => RunAsync(c => _queue.LeaseAsync(c, null, request, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyList<LeaseHandle>> RenewLeasesAsync(LeaseRenewal renewal, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(renewal);
        var leases = renewal.Leases;
        if (leases.Count == 0)
        {
            return [];
        }

        // The token alone says the delivery is still pending (see CompleteInOneStatementAsync): each lease is looked
        // up by its key, never by a scan of the pending rows.
        return await QueryAsync(
            $"""
            UPDATE {_s}.deliveries d SET lease_expires_at = @exp, ready_at = @exp
            FROM unnest(@t, @d, @token) AS x(t, id, token)
            WHERE d.tenant_id = x.t AND d.id = x.id AND d.lease_token = x.token
            RETURNING d.tenant_id, d.id, d.lease_token;
            """,
            cmd =>
            {
                Time(cmd, "exp", renewal.Now + renewal.Duration);
                Add(cmd, "t", NpgsqlDbType.Array | NpgsqlDbType.Text, leases.Select(l => l.TenantId).ToArray());
                Add(cmd, "d", NpgsqlDbType.Array | NpgsqlDbType.Text, leases.Select(l => l.DeliveryId).ToArray());
                Add(cmd, "token", NpgsqlDbType.Array | NpgsqlDbType.Text, leases.Select(l => l.LeaseToken).ToArray());
            },
            r => new LeaseHandle(r.GetString(0), r.GetString(1), r.GetString(2)),
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<DateTimeOffset?> GetNextDueTimeAsync(CancellationToken cancellationToken)
        => (await QueryAsync($"SELECT MIN(ready_at) FROM {_s}.deliveries WHERE status = 0;", null, r => r.IsDBNull(0) ? (DateTimeOffset?)null : ReadTime(r, 0), cancellationToken).ConfigureAwait(false))[0];

    /// <inheritdoc />
    public Task RecordTestDeliveryAsync(StoredEvent evt, DeliveryRecord delivery, AttemptRecord attempt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(evt);
        ArgumentNullException.ThrowIfNull(delivery);
        ArgumentNullException.ThrowIfNull(attempt);
        return InTransactionAsync(
            async (c, tx) =>
            {
                await using (var enqueue = EnqueueCommand(c, tx, [new PendingEnqueue(new EnqueueBatch { Event = evt, Deliveries = [delivery] }, null, null, cancellationToken)], notify: false))
                {
                    await enqueue.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await using var insert = Command(c, tx, $"INSERT INTO {_s}.attempts ({AttemptColumns}) VALUES (@t, @d, @n, @start, @dur, @code, @ok, @err, @excerpt);");
                BindAttempt(insert, delivery.TenantId, delivery.Id, attempt, _dialect);
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                return 0;
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public async Task<DeliveryRecord?> GetDeliveryAsync(string tenantId, string deliveryId, CancellationToken cancellationToken)
        => (await QueryAsync($"SELECT {DeliveryColumns} FROM {_s}.deliveries d WHERE d.tenant_id = @t AND d.id = @id;", cmd => { Text(cmd, "t", tenantId); Text(cmd, "id", deliveryId); }, ReadDelivery, cancellationToken).ConfigureAwait(false)).FirstOrDefault();

    /// <inheritdoc />
    public async Task<WebhookCursorPage<DeliveryRecord>> QueryDeliveriesAsync(DeliveryQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var sql = new StringBuilder(CultureInvariant($"SELECT {DeliveryColumns} FROM {_s}.deliveries d WHERE d.tenant_id = @t"));
        using var bound = new NpgsqlCommand();
        RelationalQueries.AppendDeliveryFilters(sql, bound, query, TimeValue);
        var rows = await QueryAsync(sql.ToString(), cmd => CopyParameters(bound, cmd), ReadDelivery, cancellationToken).ConfigureAwait(false);
        return RelationalQueries.DeliveryPage(rows, query.Limit);
    }

    /// <inheritdoc />
    public async Task<DeliveryCounts> CountDeliveriesAsync(DeliveryCountQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var sql = new StringBuilder(CultureInvariant($"SELECT status, COUNT(*) FROM {_s}.deliveries WHERE tenant_id = @t"));
        using var bound = new NpgsqlCommand();
        RelationalQueries.AppendCountFilters(sql, bound, query, TimeValue);
        var rows = await QueryAsync(sql.ToString(), cmd => CopyParameters(bound, cmd), r => (Status: (int)r.GetInt16(0), Count: r.GetInt64(1)), cancellationToken).ConfigureAwait(false);
        return rows.Aggregate(new DeliveryCounts(0, 0, 0), (counts, row) => RelationalQueries.AddCount(counts, row.Status, row.Count));
    }

    /// <inheritdoc />
    public async Task<DateTimeOffset?> GetOldestDueTimeAsync(string? tenantId, DateTimeOffset now, CancellationToken cancellationToken)
        => (await QueryAsync(
            tenantId is null
                ? $"SELECT MIN(due_at) FROM {_s}.deliveries WHERE status = 0 AND ready_at <= @now;"
                : $"SELECT MIN(due_at) FROM {_s}.deliveries WHERE status = 0 AND ready_at <= @now AND tenant_id = @t;",
            cmd =>
            {
                Time(cmd, "now", now);
                Text(cmd, "t", tenantId);
            },
            r => r.IsDBNull(0) ? (DateTimeOffset?)null : ReadTime(r, 0),
            cancellationToken).ConfigureAwait(false))[0];

    /// <inheritdoc />
    public Task<WebhookQueueCounts> GetQueueCountsAsync(DateTimeOffset now, CancellationToken cancellationToken)
        => RunAsync(
            async c =>
            {
                await using var cmd = Command(c, null, string.Empty);
                return await RelationalQueries.QueueCountsAsync(cmd, _dialect, now, cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyList<AttemptRecord>> ListAttemptsAsync(string tenantId, string deliveryId, CancellationToken cancellationToken)
        => await QueryAsync(
            $"SELECT {AttemptColumns} FROM {_s}.attempts WHERE tenant_id = @t AND delivery_id = @d ORDER BY number, rid;",
            cmd =>
            {
                Text(cmd, "t", tenantId);
                Text(cmd, "d", deliveryId);
            },
            r => ReadAttempt(r, _dialect),
            cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<string?> GetCorrelationIdAsync(string tenantId, string destinationId, string correlationKey, CancellationToken cancellationToken)
        => (await QueryAsync(
            $"SELECT correlation_id FROM {_s}.correlation WHERE tenant_id = @t AND destination_id = @d AND correlation_key = @k;",
            cmd =>
            {
                Text(cmd, "t", tenantId);
                Text(cmd, "d", destinationId);
                Text(cmd, "k", correlationKey);
            },
            r => r.GetString(0),
            cancellationToken).ConfigureAwait(false)).FirstOrDefault();

    /// <inheritdoc />
    public Task SetCorrelationIdAsync(string tenantId, string destinationId, string correlationKey, string correlationId, CancellationToken cancellationToken)
        => ExecAsync(
            $"INSERT INTO {_s}.correlation (tenant_id, destination_id, correlation_key, correlation_id) VALUES (@t, @d, @k, @v) ON CONFLICT (tenant_id, destination_id, correlation_key) DO UPDATE SET correlation_id = excluded.correlation_id;",
            cmd =>
            {
                Text(cmd, "t", tenantId);
                Text(cmd, "d", destinationId);
                Text(cmd, "k", correlationKey);
                Text(cmd, "v", correlationId);
            },
            cancellationToken);

    /// <inheritdoc />
    public async Task<bool> ClearCorrelationIdAsync(string tenantId, string destinationId, string correlationKey, CancellationToken cancellationToken)
        => await ExecAsync(
            $"DELETE FROM {_s}.correlation WHERE tenant_id = @t AND destination_id = @d AND correlation_key = @k;",
            cmd =>
            {
                Text(cmd, "t", tenantId);
                Text(cmd, "d", destinationId);
                Text(cmd, "k", correlationKey);
            },
            cancellationToken).ConfigureAwait(false) > 0;

    /// <inheritdoc />
    public Task HeartbeatAsync(string instanceId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(instanceId);
        return ExecAsync(
            $"INSERT INTO {_s}.instances (id, heartbeat_at) VALUES (@id, @now) ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at;",
            cmd =>
            {
                Text(cmd, "id", instanceId);
                Time(cmd, "now", now);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public async Task<int> CountLiveInstancesAsync(DateTimeOffset since, CancellationToken cancellationToken)
        => (await QueryAsync($"SELECT COUNT(*)::integer FROM {_s}.instances WHERE heartbeat_at >= @since;", cmd => Time(cmd, "since", since), r => r.GetInt32(0), cancellationToken).ConfigureAwait(false))[0];

    /// <inheritdoc />
    public Task RemoveInstanceAsync(string instanceId, CancellationToken cancellationToken)
        => ExecAsync($"DELETE FROM {_s}.instances WHERE id = @id;", cmd => Text(cmd, "id", instanceId), cancellationToken);

    /// <inheritdoc />
    public async Task<int> PurgeHistoryAsync(DateTimeOffset olderThan, int batchSize, CancellationToken cancellationToken)
        => await ExecAsync(
            $"""
            WITH victims AS (
              SELECT seq, tenant_id, id, event_id FROM {_s}.deliveries
              WHERE status <> 0 AND completed_at < @cut ORDER BY seq LIMIT @n FOR UPDATE SKIP LOCKED),
            attempts AS (DELETE FROM {_s}.attempts a USING victims v WHERE a.tenant_id = v.tenant_id AND a.delivery_id = v.id),
            gone AS (DELETE FROM {_s}.deliveries d USING victims v WHERE d.seq = v.seq RETURNING d.seq),
            orphans AS (
              DELETE FROM {_s}.events e USING (SELECT DISTINCT tenant_id, event_id FROM victims) x
              WHERE e.tenant_id = x.tenant_id AND e.id = x.event_id
                AND NOT EXISTS (SELECT 1 FROM {_s}.deliveries d WHERE d.tenant_id = e.tenant_id AND d.event_id = e.id AND d.seq NOT IN (SELECT seq FROM victims)))
            SELECT seq FROM gone;
            """,
            cmd =>
            {
                Time(cmd, "cut", olderThan);
                Int(cmd, "n", batchSize);
            },
            cancellationToken,
            countRows: true).ConfigureAwait(false);

    private static string RequireConnectionString(PostgreSqlWebhookStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            throw new ArgumentException("PostgreSqlWebhookStoreOptions.ConnectionString is required (or pass an NpgsqlDataSource).", nameof(options));
        }

        return options.ConnectionString;
    }

    /// <summary>The pool size of the store's own data source when its connection string does not set one.</summary>
    internal const int DefaultMaxPoolSize = 20;

    /// <summary>How many statements each connection of the store's own data source prepares automatically, unless its connection string says.</summary>
    internal const int DefaultMaxAutoPrepare = 32;

    /// <summary>
    /// The store's own data source: a small fixed set of connections, each preparing the store's statements on their
    /// second use (the connection string's own <c>Maximum Pool Size</c> and <c>Max Auto Prepare</c> win).
    /// </summary>
    internal static NpgsqlDataSource CreateDataSource(string connectionString)
    {
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        var keys = given.Keys.Cast<string>().Select(k => k.Replace(" ", string.Empty, StringComparison.Ordinal).ToUpperInvariant()).ToHashSet();
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!keys.Contains("MAXIMUMPOOLSIZE") && !keys.Contains("MAXPOOLSIZE"))
        {
            builder.MaxPoolSize = DefaultMaxPoolSize;
        }

        if (!keys.Contains("MAXAUTOPREPARE"))
        {
            builder.MaxAutoPrepare = DefaultMaxAutoPrepare;
            if (!keys.Contains("AUTOPREPAREMINUSAGES"))
            {
                builder.AutoPrepareMinUsages = 2;
            }
        }

        return NpgsqlDataSource.Create(builder);
    }

    private static string CultureInvariant(FormattableString s) => FormattableString.Invariant(s);

    private static void Add(NpgsqlCommand cmd, string name, NpgsqlDbType type, object? value)
        => cmd.Parameters.Add(new NpgsqlParameter(name, type) { Value = value ?? DBNull.Value });

    private static object TimeValue(DateTimeOffset value) => value.ToUniversalTime();

    private static void CopyParameters(NpgsqlCommand from, NpgsqlCommand to)
    {
        foreach (NpgsqlParameter p in from.Parameters)
        {
            to.Parameters.Add(p.Clone());
        }
    }

    private static void Text(NpgsqlCommand cmd, string name, string? value) => Add(cmd, name, NpgsqlDbType.Text, value);

    private static void Int(NpgsqlCommand cmd, string name, int? value) => Add(cmd, name, NpgsqlDbType.Integer, value);

    private static void Time(NpgsqlCommand cmd, string name, DateTimeOffset? value) => Add(cmd, name, NpgsqlDbType.TimestampTz, value?.ToUniversalTime());

    private static DateTimeOffset ReadTime(NpgsqlDataReader r, int ordinal) => r.GetFieldValue<DateTimeOffset>(ordinal);

    private DestinationRecord ReadDestination(NpgsqlDataReader r) => RelationalRows.ReadDestination(r, _dialect);

    private DeliveryRecord ReadDelivery(NpgsqlDataReader r) => RelationalRows.ReadDelivery(r, _dialect);

    private static bool IsConnectionFailure(Exception ex)
        => ex is NpgsqlException and not PostgresException
            || (ex is PostgresException pg && (pg.SqlState.StartsWith("08", StringComparison.Ordinal) || pg.SqlState.StartsWith("57", StringComparison.Ordinal)));

    private NpgsqlCommand EnqueueCommand(NpgsqlConnection c, NpgsqlTransaction? tx, IReadOnlyList<PendingEnqueue> group, bool notify)
    {
        var cmd = Command(
            c,
            tx,
            $"""
            INSERT INTO {_s}.events (tenant_id, id, type, occurred_at, json, trace_context)
            SELECT * FROM unnest(@et, @eid, @etype, @eat, @ejson, @etrace) ON CONFLICT DO NOTHING;
            INSERT INTO {_s}.deliveries (tenant_id, id, event_id, event_type, destination_id, status, attempt_count, max_attempts, created_at, due_at, ready_at, completed_at, ordering_key, last_status_code, last_error, is_test, lease_token, lease_expires_at)
            SELECT t, id, e, ty, dest, st, ac, mx, cr, du, COALESCE(lx, du), co, k, lc, le, it, lt, lx
            FROM unnest(@t, @id, @e, @ty, @dest, @st, @ac, @mx, @cr, @du, @co, @k, @lc, @le, @it, @lt, @lx) WITH ORDINALITY AS x(t, id, e, ty, dest, st, ac, mx, cr, du, co, k, lc, le, it, lt, lx, ord)
            ORDER BY ord;
            {(notify ? $"SELECT pg_notify('{_channel}', '');" : string.Empty)}
            """);
        var events = group.Count;
        var et = new string[events];
        var eid = new string[events];
        var etype = new string[events];
        var eat = new DateTimeOffset[events];
        var ejson = new byte[events][];
        var etrace = new string?[events];
        var n = 0;
        for (var g = 0; g < events; g++)
        {
            var evt = group[g].Batch.Event;
            et[g] = evt.TenantId;
            eid[g] = evt.Id;
            etype[g] = evt.Type;
            eat[g] = evt.OccurredAt.ToUniversalTime();
            ejson[g] = RelationalRows.JsonArray(evt.Json);
            etrace[g] = evt.TraceContext;
            n += group[g].Batch.Deliveries.Count;
        }

        Add(cmd, "et", NpgsqlDbType.Array | NpgsqlDbType.Text, et);
        Add(cmd, "eid", NpgsqlDbType.Array | NpgsqlDbType.Text, eid);
        Add(cmd, "etype", NpgsqlDbType.Array | NpgsqlDbType.Text, etype);
        Add(cmd, "eat", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, eat);
        Add(cmd, "ejson", NpgsqlDbType.Array | NpgsqlDbType.Bytea, ejson);
        Add(cmd, "etrace", NpgsqlDbType.Array | NpgsqlDbType.Text, etrace);

        var t = new string[n];
        var id = new string[n];
        var e = new string[n];
        var ty = new string[n];
        var dest = new string[n];
        var st = new short[n];
        var ac = new int[n];
        var mx = new int[n];
        var cr = new DateTimeOffset[n];
        var du = new DateTimeOffset[n];
        var co = new DateTimeOffset?[n];
        var k = new string?[n];
        var lc = new int?[n];
        var le = new string?[n];
        var it = new bool[n];
        var lt = new string?[n];
        var lx = new DateTimeOffset?[n];
        var i = 0;
        foreach (var pending in group)
        {
            var deliveries = pending.Batch.Deliveries;
            for (var j = 0; j < deliveries.Count; j++, i++)
            {
                var d = deliveries[j];
                t[i] = d.TenantId;
                id[i] = d.Id;
                e[i] = d.EventId;
                ty[i] = d.EventType;
                dest[i] = d.DestinationId;
                st[i] = (short)d.Status;
                ac[i] = d.AttemptCount;
                mx[i] = d.MaxAttempts;
                cr[i] = d.CreatedAt.ToUniversalTime();
                du[i] = d.DueAt.ToUniversalTime();
                co[i] = d.CompletedAt?.ToUniversalTime();
                k[i] = d.OrderingKey;
                lc[i] = d.LastStatusCode;
                le[i] = d.LastError;
                it[i] = d.IsTest;

                // Written leased (handed to this instance's workers): due again, as any lease, when it expires.
                if (pending.Leased is { } leased && leased[j] && pending.Lease is { } lease)
                {
                    lt[i] = lease.LeaseToken;
                    lx[i] = lease.LeaseExpiresAt.ToUniversalTime();
                }
            }
        }

        Add(cmd, "t", NpgsqlDbType.Array | NpgsqlDbType.Text, t);
        Add(cmd, "id", NpgsqlDbType.Array | NpgsqlDbType.Text, id);
        Add(cmd, "e", NpgsqlDbType.Array | NpgsqlDbType.Text, e);
        Add(cmd, "ty", NpgsqlDbType.Array | NpgsqlDbType.Text, ty);
        Add(cmd, "dest", NpgsqlDbType.Array | NpgsqlDbType.Text, dest);
        Add(cmd, "st", NpgsqlDbType.Array | NpgsqlDbType.Smallint, st);
        Add(cmd, "ac", NpgsqlDbType.Array | NpgsqlDbType.Integer, ac);
        Add(cmd, "mx", NpgsqlDbType.Array | NpgsqlDbType.Integer, mx);
        Add(cmd, "cr", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, cr);
        Add(cmd, "du", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, du);
        Add(cmd, "co", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, co);
        Add(cmd, "k", NpgsqlDbType.Array | NpgsqlDbType.Text, k);
        Add(cmd, "lc", NpgsqlDbType.Array | NpgsqlDbType.Integer, lc);
        Add(cmd, "le", NpgsqlDbType.Array | NpgsqlDbType.Text, le);
        Add(cmd, "it", NpgsqlDbType.Array | NpgsqlDbType.Boolean, it);
        Add(cmd, "lt", NpgsqlDbType.Array | NpgsqlDbType.Text, lt);
        Add(cmd, "lx", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, lx);
        return cmd;
    }

#pragma warning disable CA2100 // Statements are constants of this class with the checked schema name; values are always parameters.
    private static NpgsqlCommand Command(NpgsqlConnection c, NpgsqlTransaction? tx, string sql) => new(sql, c, tx);
#pragma warning restore CA2100

    private async Task<T> RunAsync<T>(Func<NpgsqlConnection, Task<T>> work, CancellationToken cancellationToken)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                return await work(connection).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (IsConnectionFailure(ex))
        {
            // The server went away (restart, failover): drop the pooled connections so the next call connects afresh.
            _dataSource.Clear();
            throw;
        }
    }

    private Task<T> InTransactionAsync<T>(Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> work, CancellationToken cancellationToken)
        => RunAsync(
            async c =>
            {
                await using var tx = await c.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                var result = await work(c, tx).ConfigureAwait(false);
                await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
                return result;
            },
            cancellationToken);

    private Task<int> ExecAsync(string sql, Action<NpgsqlCommand>? bind, CancellationToken cancellationToken, bool countRows = false)
        => RunAsync(
            async c =>
            {
                await using var cmd = Command(c, null, sql);
                bind?.Invoke(cmd);
                if (!countRows)
                {
                    return await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                var rows = 0;
                await using var r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await r.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    rows++;
                }

                return rows;
            },
            cancellationToken);

    private Task<List<T>> QueryAsync<T>(string sql, Action<NpgsqlCommand>? bind, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken)
        => RunAsync(
            async c =>
            {
                await using var cmd = Command(c, null, sql);
                bind?.Invoke(cmd);
                var list = new List<T>();
                await using var r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await r.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    list.Add(read(r));
                }

                return list;
            },
            cancellationToken);
}
