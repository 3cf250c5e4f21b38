using System.Data.Common;
using Webhooks.Sdk.Storage;

namespace Webhooks.Sdk.Relational;

/// <summary>Row mapping of the relational stores: the column lists and how a row becomes a record, written once.</summary>
internal static class RelationalRows
{
    /// <summary>The delivery columns, from a table aliased <c>d</c>, in the order <see cref="ReadDelivery"/> reads them.</summary>
    public const string DeliveryColumns = "d.tenant_id, d.id, d.event_id, d.event_type, d.destination_id, d.status, d.attempt_count, d.max_attempts, d.created_at, d.due_at, d.completed_at, d.ordering_key, d.seq, d.last_status_code, d.last_error, d.is_test";

    /// <summary>The destination columns, in the order <see cref="ReadDestination"/> reads them.</summary>
    public const string DestinationColumns = "tenant_id, id, name, enabled, config_json, protected_auth, created_at, updated_at, last_success_at, last_failure_at, consecutive_failures, disabled_reason, version";

    /// <summary>The attempt columns, in the order <see cref="ReadAttempt"/> reads them.</summary>
    public const string AttemptColumns = "tenant_id, delivery_id, number, started_at, duration_ticks, status_code, success, error, response_excerpt";

    /// <summary>Reads a destination row (<see cref="DestinationColumns"/>).</summary>
    public static DestinationRecord ReadDestination(DbDataReader r, RelationalDialect dialect) => new()
    {
        TenantId = r.GetString(0),
        Id = r.GetString(1),
        Name = r.GetString(2),
        Enabled = r.GetBoolean(3),
        ConfigJson = r.GetString(4),
        ProtectedAuth = r.IsDBNull(5) ? null : r.GetString(5),
        CreatedAt = dialect.ReadTime(r, 6),
        UpdatedAt = dialect.ReadTime(r, 7),
        LastSuccessAt = dialect.ReadNullableTime(r, 8),
        LastFailureAt = dialect.ReadNullableTime(r, 9),
        ConsecutiveFailures = r.GetInt32(10),
        DisabledReason = r.IsDBNull(11) ? null : r.GetString(11),
        Version = r.GetInt64(12),
    };

    /// <summary>Reads a delivery row (<see cref="DeliveryColumns"/>).</summary>
    public static DeliveryRecord ReadDelivery(DbDataReader r, RelationalDialect dialect) => new()
    {
        TenantId = r.GetString(0),
        Id = r.GetString(1),
        EventId = r.GetString(2),
        EventType = r.GetString(3),
        DestinationId = r.GetString(4),
        Status = (WebhookDeliveryStatus)r.GetInt16(5),
        AttemptCount = r.GetInt32(6),
        MaxAttempts = r.GetInt32(7),
        CreatedAt = dialect.ReadTime(r, 8),
        DueAt = dialect.ReadTime(r, 9),
        CompletedAt = dialect.ReadNullableTime(r, 10),
        OrderingKey = r.IsDBNull(11) ? null : r.GetString(11),
        Sequence = r.GetInt64(12),
        LastStatusCode = r.IsDBNull(13) ? null : r.GetInt32(13),
        LastError = r.IsDBNull(14) ? null : r.GetString(14),
        IsTest = r.GetBoolean(15),
    };

    /// <summary>Reads an attempt row (<see cref="AttemptColumns"/>).</summary>
    public static AttemptRecord ReadAttempt(DbDataReader r, RelationalDialect dialect) => new()
    {
        TenantId = r.GetString(0),
        DeliveryId = r.GetString(1),
        Number = r.GetInt32(2),
        StartedAt = dialect.ReadTime(r, 3),
        Duration = TimeSpan.FromTicks(r.GetInt64(4)),
        StatusCode = r.IsDBNull(5) ? null : r.GetInt32(5),
        Success = r.GetBoolean(6),
        Error = r.IsDBNull(7) ? null : r.GetString(7),
        ResponseExcerpt = r.IsDBNull(8) ? null : r.GetString(8),
    };

    /// <summary>Binds a destination's values for an insert (<c>@t</c>, <c>@id</c>, <c>@name</c>, ... <c>@reason</c>).</summary>
    public static void BindDestination(DbCommand cmd, DestinationRecord d, RelationalDialect dialect)
    {
        RelationalQueries.Bind(cmd, "@t", d.TenantId);
        RelationalQueries.Bind(cmd, "@id", d.Id);
        RelationalQueries.Bind(cmd, "@name", d.Name);
        RelationalQueries.Bind(cmd, "@enabled", d.Enabled);
        RelationalQueries.Bind(cmd, "@config", d.ConfigJson);
        RelationalQueries.Bind(cmd, "@auth", d.ProtectedAuth, System.Data.DbType.String);
        dialect.BindTime(cmd, "@created", d.CreatedAt);
        dialect.BindTime(cmd, "@updated", d.UpdatedAt);
        dialect.BindTime(cmd, "@ls", d.LastSuccessAt);
        dialect.BindTime(cmd, "@lf", d.LastFailureAt);
        RelationalQueries.Bind(cmd, "@cf", d.ConsecutiveFailures);
        RelationalQueries.Bind(cmd, "@reason", d.DisabledReason, System.Data.DbType.String);
    }

    /// <summary>Binds an attempt's values (<c>@t</c>, <c>@d</c>, <c>@n</c>, <c>@start</c>, <c>@dur</c>, <c>@code</c>, <c>@ok</c>, <c>@err</c>, <c>@excerpt</c>).</summary>
    public static void BindAttempt(DbCommand cmd, string tenantId, string deliveryId, AttemptRecord a, RelationalDialect dialect)
    {
        RelationalQueries.Bind(cmd, "@t", tenantId);
        RelationalQueries.Bind(cmd, "@d", deliveryId);
        RelationalQueries.Bind(cmd, "@n", a.Number);
        dialect.BindTime(cmd, "@start", a.StartedAt);
        RelationalQueries.Bind(cmd, "@dur", a.Duration.Ticks);
        RelationalQueries.Bind(cmd, "@code", a.StatusCode, System.Data.DbType.Int32);
        RelationalQueries.Bind(cmd, "@ok", a.Success);
        RelationalQueries.Bind(cmd, "@err", a.Error, System.Data.DbType.String);
        RelationalQueries.Bind(cmd, "@excerpt", a.ResponseExcerpt, System.Data.DbType.String);
    }

    /// <summary>The event's JSON as an array to bind: the publisher's own array when it is one whole array, else a copy.</summary>
    /// <param name="json">The JSON.</param>
    /// <returns>The array.</returns>
    public static byte[] JsonArray(ReadOnlyMemory<byte> json)
        => System.Runtime.InteropServices.MemoryMarshal.TryGetArray(json, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : json.ToArray();
}
