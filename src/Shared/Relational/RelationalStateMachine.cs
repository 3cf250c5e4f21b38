using System.Data;
using System.Data.Common;
using Webhooks.Sdk.Storage;

namespace Webhooks.Sdk.Relational;

/// <summary>
/// The delivery queue's state machine, written once for the relational stores: lease the due deliveries (one UPDATE
/// ... RETURNING; an ordered delivery only when nothing earlier of its key is pending), complete them under their lease
/// token (attempt row and new state together), requeue finished ones (an ordered one goes to the back of its key).
/// The dialect supplies table names, time binding and the few fragments that differ.
/// </summary>
internal sealed class RelationalStateMachine
{
    private readonly RelationalDialect _dialect;
    private readonly string _lease;
    private readonly string _insertAttempt;
    private readonly string[] _complete = new string[4];
    private readonly string[] _completeFirst = new string[4];
    private readonly string _requeue;
    private readonly string _failedSince;

    /// <summary>Initializes a new instance of the <see cref="RelationalStateMachine"/> class and builds its statements.</summary>
    /// <param name="dialect">The dialect.</param>
    public RelationalStateMachine(RelationalDialect dialect)
    {
        _dialect = dialect;
        var deliveries = dialect.Table("deliveries");
        var events = dialect.Table("events");
        // SQLite's RETURNING knows the updated table by its name only (no alias), so the event's columns are
        // correlated subqueries on that name.
        string Event(string column) => $"(SELECT e.{column} FROM {events} e WHERE e.tenant_id = {deliveries}.tenant_id AND e.id = {deliveries}.event_id)";
        _lease = dialect.LeaseCommitPrefix +
            $"""
            WITH due AS MATERIALIZED (
              SELECT c.seq FROM {deliveries} c
              WHERE c.status = 0 AND c.ready_at <= @now
                AND (c.ordering_key IS NULL OR NOT EXISTS (
                  SELECT 1 FROM {deliveries} o
                  WHERE o.status = 0 AND o.tenant_id = c.tenant_id AND o.destination_id = c.destination_id
                    AND o.ordering_key = c.ordering_key AND o.seq < c.seq))
              ORDER BY c.ready_at, c.seq
              LIMIT @max{dialect.LockCandidates})
            UPDATE {deliveries} SET lease_token = @token, lease_expires_at = @exp, ready_at = @exp
            WHERE seq IN (SELECT seq FROM due)
            RETURNING {RelationalRows.DeliveryColumns.Replace("d.", string.Empty, StringComparison.Ordinal)}, {Event("type")}, {Event("occurred_at")}, {Event("json")}, {Event("trace_context")};
            """;
        _insertAttempt = $"INSERT INTO {dialect.Table("attempts")} ({RelationalRows.AttemptColumns}) SELECT @t, @d, @n, @start, @dur, @code, @ok, @err, @excerpt WHERE EXISTS (SELECT 1 FROM {deliveries} WHERE tenant_id = @t AND id = @d)";
        foreach (var pending in new[] { false, true })
        {
            foreach (var attempt in new[] { false, true })
            {
                var update = $"""
                    UPDATE {deliveries} SET
                      status = @status,
                      {(pending ? "due_at = @due, ready_at = @due, completed_at = NULL" : "completed_at = @completed")},
                      {(attempt ? $"attempt_count = {dialect.Greatest}(attempt_count, @n), last_status_code = @code, last_error = @err," : string.Empty)}
                      lease_token = NULL, lease_expires_at = NULL
                    WHERE tenant_id = @t AND id = @d AND status = 0 AND lease_token = @token;
                    """;
                _complete[Index(pending, attempt)] = attempt && dialect.WritesInWith ? $"WITH ins AS ({_insertAttempt}) {update}" : update;
                _completeFirst[Index(pending, attempt)] = dialect.CompletionCommitPrefix + _complete[Index(pending, attempt)];
            }
        }

        _requeue =
            $"""
            UPDATE {deliveries} SET
              status = 0, due_at = @now, ready_at = @now, completed_at = NULL, max_attempts = attempt_count + 1,
              lease_token = NULL, lease_expires_at = NULL,
              seq = CASE WHEN ordering_key IS NULL THEN seq ELSE {dialect.NextSequence} END
            WHERE tenant_id = @t AND id = @id AND status <> 0;
            """;
        _failedSince = $"SELECT id FROM {deliveries} WHERE tenant_id = @t AND destination_id = @dest AND status = 2 AND is_test = @no AND completed_at >= @since ORDER BY seq{dialect.LockRows};";
    }

    /// <summary>Leases up to <see cref="LeaseRequest.MaxCount"/> due deliveries under one new token, oldest due first.</summary>
    public async Task<IReadOnlyList<LeasedDelivery>> LeaseAsync(DbConnection c, DbTransaction? tx, LeaseRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var token = Guid.NewGuid().ToString("N");
        var expires = request.Now + request.Duration;
        var leased = new List<LeasedDelivery>();
        var cmd = Command(c, tx, _lease);
        await using (cmd.ConfigureAwait(false))
        {
            _dialect.BindTime(cmd, "@now", request.Now);
            RelationalQueries.Bind(cmd, "@max", request.MaxCount);
            RelationalQueries.Bind(cmd, "@token", token);
            _dialect.BindTime(cmd, "@exp", expires);
            var events = new Dictionary<(string, string), StoredEvent>();
            var r = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (r.ConfigureAwait(false))
            {
                if (_dialect.LeaseCommitPrefix.Length > 0)
                {
                    await r.NextResultAsync(cancellationToken).ConfigureAwait(false);
                }

                while (await r.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var delivery = RelationalRows.ReadDelivery(r, _dialect);
                    if (!events.TryGetValue((delivery.TenantId, delivery.EventId), out var evt))
                    {
                        evt = new StoredEvent
                        {
                            TenantId = delivery.TenantId,
                            Id = delivery.EventId,
                            Type = r.GetString(16),
                            OccurredAt = _dialect.ReadTime(r, 17),
                            Json = r.GetFieldValue<byte[]>(18),
                            TraceContext = r.IsDBNull(19) ? null : r.GetString(19),
                        };
                        events[(delivery.TenantId, delivery.EventId)] = evt;
                    }

                    leased.Add(new LeasedDelivery { Delivery = delivery, Event = evt, LeaseToken = token, LeaseExpiresAt = expires });
                }
            }
        }

        // RETURNING has no order: hand them out oldest due first, in publish order.
        leased.Sort(static (a, b) =>
        {
            var byDue = a.Delivery.DueAt.CompareTo(b.Delivery.DueAt);
            return byDue != 0 ? byDue : a.Delivery.Sequence.CompareTo(b.Delivery.Sequence);
        });
        return leased;
    }

    /// <summary>Completes leased deliveries in the caller's transaction: each only while its lease token still holds.</summary>
    /// <returns>Per completion, whether the lease still held (and the completion was written).</returns>
    public async Task<IReadOnlyList<bool>> CompleteAsync(DbConnection c, DbTransaction tx, IReadOnlyList<DeliveryCompletion> completions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(completions);
        var results = new bool[completions.Count];
        for (var i = 0; i < results.Length; i++)
        {
            var completion = completions[i];
            ArgumentNullException.ThrowIfNull(completion);
            var attempt = completion.Attempt;
            if (attempt is not null && !_dialect.WritesInWith)
            {
                var insert = Command(c, tx, i == 0 ? _dialect.CompletionCommitPrefix + _insertAttempt : _insertAttempt);
                await using (insert.ConfigureAwait(false))
                {
                    RelationalRows.BindAttempt(insert, completion.TenantId, completion.DeliveryId, attempt, _dialect);
                    await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
            }

            var pending = completion.Status == WebhookDeliveryStatus.Pending;
            var first = i == 0 && (attempt is null || _dialect.WritesInWith);
            var update = Command(c, tx, (first ? _completeFirst : _complete)[Index(pending, attempt is not null)]);
            await using (update.ConfigureAwait(false))
            {
                if (attempt is not null)
                {
                    RelationalRows.BindAttempt(update, completion.TenantId, completion.DeliveryId, attempt, _dialect);
                }
                else
                {
                    RelationalQueries.Bind(update, "@t", completion.TenantId);
                    RelationalQueries.Bind(update, "@d", completion.DeliveryId);
                }

                RelationalQueries.Bind(update, "@token", completion.LeaseToken);
                RelationalQueries.Bind(update, "@status", (short)completion.Status, DbType.Int16);
                if (pending)
                {
                    _dialect.BindTime(update, "@due", completion.DueAt);
                }
                else
                {
                    _dialect.BindTime(update, "@completed", completion.CompletedAt);
                }

                results[i] = await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
            }
        }

        return results;
    }

    /// <summary>Puts a finished delivery back in the queue, due now, with one more attempt in its budget.</summary>
    /// <returns><see langword="false"/> when it does not exist or is still pending.</returns>
    public async Task<bool> RequeueAsync(DbConnection c, DbTransaction? tx, string tenantId, string deliveryId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var cmd = Command(c, tx, _requeue);
        await using (cmd.ConfigureAwait(false))
        {
            RelationalQueries.Bind(cmd, "@t", tenantId);
            RelationalQueries.Bind(cmd, "@id", deliveryId);
            _dialect.BindTime(cmd, "@now", now);
            return await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
        }
    }

    /// <summary>Requeues a destination's failed (not test) deliveries completed since a time, in publish order.</summary>
    /// <returns>How many were requeued.</returns>
    public async Task<int> RequeueFailedAsync(DbConnection c, DbTransaction tx, string tenantId, string destinationId, DateTimeOffset since, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        var select = Command(c, tx, _failedSince);
        await using (select.ConfigureAwait(false))
        {
            RelationalQueries.Bind(select, "@t", tenantId);
            RelationalQueries.Bind(select, "@dest", destinationId);
            RelationalQueries.Bind(select, "@no", false);
            _dialect.BindTime(select, "@since", since);
            var r = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (r.ConfigureAwait(false))
            {
                while (await r.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    ids.Add(r.GetString(0));
                }
            }
        }

        var count = 0;
        foreach (var id in ids)
        {
            count += await RequeueAsync(c, tx, tenantId, id, now, cancellationToken).ConfigureAwait(false) ? 1 : 0;
        }

        return count;
    }

    private static int Index(bool pending, bool attempt) => (pending ? 2 : 0) + (attempt ? 1 : 0);

    private DbCommand Command(DbConnection c, DbTransaction? tx, string sql) => _dialect.Command(c, tx, sql);
}
