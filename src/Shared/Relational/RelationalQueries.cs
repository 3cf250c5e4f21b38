using System.Data.Common;
using System.Globalization;
using System.Text;
using Webhooks.Sdk.Storage;

namespace Webhooks.Sdk.Relational;

/// <summary>
/// The parts of the relational stores' SQL that do not depend on the dialect: history filters, cursors and paging.
/// Compiled into each SQL store package (linked source), so no extra assembly ships. The dialect supplies table names
/// and how a time is bound.
/// </summary>
internal static class RelationalQueries
{
    /// <summary>Appends the WHERE conditions of a history query (after <c>d.tenant_id = @t</c>) and binds their values.</summary>
    public static void AppendDeliveryFilters(StringBuilder sql, DbCommand cmd, DeliveryQuery query, Func<DateTimeOffset, object> time)
    {
        Bind(cmd, "@t", query.TenantId);
        if (query.DestinationId is not null)
        {
            sql.Append(" AND d.destination_id = @dest");
            Bind(cmd, "@dest", query.DestinationId);
        }

        if (query.Status is { } status)
        {
            sql.Append(" AND d.status = @status");
            Bind(cmd, "@status", (short)status);
        }

        if (query.EventType is not null)
        {
            sql.Append(" AND d.event_type = @etype");
            Bind(cmd, "@etype", query.EventType);
        }

        if (query.Since is { } since)
        {
            sql.Append(" AND d.created_at >= @since");
            Bind(cmd, "@since", time(since));
        }

        if (query.Until is { } until)
        {
            sql.Append(" AND d.created_at < @until");
            Bind(cmd, "@until", time(until));
        }

        sql.Append(query.StatusCodeClass switch
        {
            null => string.Empty,
            WebhookStatusCodeClass.None => " AND d.last_status_code IS NULL",
            WebhookStatusCodeClass.Success => " AND d.last_status_code BETWEEN 200 AND 299",
            WebhookStatusCodeClass.ClientError => " AND d.last_status_code BETWEEN 400 AND 499",
            WebhookStatusCodeClass.ServerError => " AND d.last_status_code BETWEEN 500 AND 599",
            _ => throw new ArgumentException($"DeliveryQuery.StatusCodeClass {query.StatusCodeClass} is not a known class.", nameof(query)),
        });

        if (StoreCursor.DecodeSequence(query.Cursor) is { } before)
        {
            sql.Append(" AND d.seq < @before");
            Bind(cmd, "@before", before);
        }

        sql.Append(" ORDER BY d.seq DESC LIMIT @limit");
        Bind(cmd, "@limit", CheckLimit(query.Limit, nameof(DeliveryQuery)) + 1);
    }

    /// <summary>Appends the conditions of a destination page (after <c>tenant_id = @t</c>), its order and limit.</summary>
    public static void AppendDestinationPage(StringBuilder sql, DbCommand cmd, DestinationListQuery query, Func<DateTimeOffset, object> time)
    {
        Bind(cmd, "@t", query.TenantId);
        if (StoreCursor.DecodeDestination(query.Cursor) is { } after)
        {
            sql.Append(" AND (created_at < @act OR (created_at = @act AND id < @aid))");
            Bind(cmd, "@act", time(new DateTimeOffset(after.Ticks, TimeSpan.Zero)));
            Bind(cmd, "@aid", after.Id);
        }

        sql.Append(" ORDER BY created_at DESC, id DESC LIMIT @limit");
        Bind(cmd, "@limit", CheckLimit(query.Limit, nameof(DestinationListQuery)) + 1);
    }

    /// <summary>Appends the conditions of a count query (after <c>tenant_id = @t</c>) and groups by status.</summary>
    public static void AppendCountFilters(StringBuilder sql, DbCommand cmd, DeliveryCountQuery query, Func<DateTimeOffset, object> time)
    {
        Bind(cmd, "@t", query.TenantId);
        if (query.DestinationId is not null)
        {
            sql.Append(" AND destination_id = @dest");
            Bind(cmd, "@dest", query.DestinationId);
        }

        if (query.Since is { } since)
        {
            sql.Append(" AND created_at >= @since");
            Bind(cmd, "@since", time(since));
        }

        if (query.Until is { } until)
        {
            sql.Append(" AND created_at < @until");
            Bind(cmd, "@until", time(until));
        }

        sql.Append(" GROUP BY status");
    }

    /// <summary>Adds one status's count read from a <c>SELECT status, COUNT(*)</c> row.</summary>
    public static DeliveryCounts AddCount(DeliveryCounts counts, int status, long count) => (WebhookDeliveryStatus)status switch
    {
        WebhookDeliveryStatus.Pending => counts with { Pending = counts.Pending + count },
        WebhookDeliveryStatus.Succeeded => counts with { Succeeded = counts.Succeeded + count },
        _ => counts with { Failed = counts.Failed + count },
    };

    /// <summary>
    /// Counts the queue for the gauges in one grouped query: pending deliveries never attempted, pending ones waiting
    /// for a retry, failed (dead-lettered) ones, and the due time of the oldest delivery that waits for a worker (due
    /// and not leased). Succeeded history is not read.
    /// </summary>
    /// <param name="cmd">A command on an open connection; its text and parameters are set here.</param>
    /// <param name="dialect">The dialect.</param>
    /// <param name="now">The current time.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The counts.</returns>
    public static async Task<WebhookQueueCounts> QueueCountsAsync(DbCommand cmd, RelationalDialect dialect, DateTimeOffset now, CancellationToken cancellationToken)
    {
        const string Retried = "CASE WHEN attempt_count = 0 THEN 0 ELSE 1 END";
#pragma warning disable CA2100 // The table name is the store's own (quoted schema); the time is a parameter.
        cmd.CommandText = "SELECT status, " + Retried + ", COUNT(*), MIN(CASE WHEN ready_at <= @now THEN due_at END) FROM " + dialect.Table("deliveries")
            + " WHERE status IN (0, 2) GROUP BY status, " + Retried + ";";
#pragma warning restore CA2100
        dialect.BindTime(cmd, "@now", now);
        long pending = 0, retrying = 0, dead = 0;
        DateTimeOffset? oldest = null;
        var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var count = Convert.ToInt64(reader.GetValue(2), CultureInfo.InvariantCulture);
                if ((WebhookDeliveryStatus)Convert.ToInt32(reader.GetValue(0), CultureInfo.InvariantCulture) != WebhookDeliveryStatus.Pending)
                {
                    dead += count;
                    continue;
                }

                _ = Convert.ToInt32(reader.GetValue(1), CultureInfo.InvariantCulture) == 0 ? pending += count : retrying += count;
                if (!reader.IsDBNull(3) && dialect.ReadTime(reader, 3) is var due && (oldest is null || due < oldest))
                {
                    oldest = due;
                }
            }
        }

        return new WebhookQueueCounts { Pending = pending, Retrying = retrying, Dead = dead, OldestDueAt = oldest };
    }

    /// <summary>Trims the one extra row a page query reads and makes the cursor of the next page from the last row kept.</summary>
    public static WebhookCursorPage<DeliveryRecord> DeliveryPage(List<DeliveryRecord> rows, int limit)
    {
        if (rows.Count <= limit)
        {
            return new(rows, null);
        }

        rows.RemoveRange(limit, rows.Count - limit);
        return new(rows, rows[^1].Sequence.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Trims the one extra row a page query reads and makes the cursor of the next page from the last row kept.</summary>
    public static WebhookCursorPage<DestinationRecord> DestinationPage(List<DestinationRecord> rows, int limit)
    {
        if (rows.Count <= limit)
        {
            return new(rows, null);
        }

        rows.RemoveRange(limit, rows.Count - limit);
        var last = rows[^1];
        return new(rows, string.Create(CultureInfo.InvariantCulture, $"{last.CreatedAt.UtcTicks}:{last.Id}"));
    }

    /// <summary>Adds a parameter to a command (a <see langword="null"/> value is bound as <see cref="DBNull"/>).</summary>
    public static void Bind(DbCommand cmd, string name, object? value)
    {
        if (Reuse(cmd, name) is { } existing)
        {
            existing.Value = value ?? DBNull.Value;
            return;
        }

        var p = cmd.CreateParameter();
        p.ParameterName = name;
        p.Value = value ?? DBNull.Value;
        cmd.Parameters.Add(p);
    }

    /// <summary>Adds a parameter with its database type, so a <see langword="null"/> value is typed too.</summary>
    public static void Bind(DbCommand cmd, string name, object? value, System.Data.DbType type)
    {
        if (Reuse(cmd, name) is { } existing)
        {
            existing.DbType = type;
            existing.Value = value ?? DBNull.Value;
            return;
        }

        var p = cmd.CreateParameter();
        p.ParameterName = name;
        p.DbType = type;
        p.Value = value ?? DBNull.Value;
        cmd.Parameters.Add(p);
    }

    /// <summary>
    /// The parameter of that name already on a reused command (SQLite's cached writer commands keep theirs between
    /// uses; a statement's text fixes its parameters), or <see langword="null"/> on a new command.
    /// </summary>
    private static DbParameter? Reuse(DbCommand cmd, string name)
    {
        var parameters = cmd.Parameters;
        for (var i = 0; i < parameters.Count; i++)
        {
            if (string.Equals(parameters[i].ParameterName, name, StringComparison.Ordinal))
            {
                return parameters[i];
            }
        }

        return null;
    }

    private static int CheckLimit(int limit, string query)
        => limit is >= 1 and <= 10_000 ? limit : throw new ArgumentOutOfRangeException(nameof(limit), limit, $"{query}.Limit must be between 1 and 10000.");
}
