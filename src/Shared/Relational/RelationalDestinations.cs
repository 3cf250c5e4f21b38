using System.Data.Common;
using System.Text;
using Webhooks.Sdk.Storage;

namespace Webhooks.Sdk.Relational;

/// <summary>Destination writes shared by the relational stores: a configuration change writes only its own columns.</summary>
internal static class RelationalDestinations
{
    /// <summary>
    /// Builds the UPDATE of a configuration change and binds its values: the columns the change sets, the updated time
    /// and the next version, guarded by the expected version. Health columns (failure counter, last times) are never
    /// written; the enabled flag and reason only when the change sets them.
    /// </summary>
    public static string UpdateSql(string table, DestinationChange change, DbCommand cmd, object at)
    {
        var sql = new StringBuilder("UPDATE ").Append(table).Append(" SET updated_at = @at, version = version + 1");
        RelationalQueries.Bind(cmd, "@at", at);
        if (change.Name is not null)
        {
            sql.Append(", name = @name");
            RelationalQueries.Bind(cmd, "@name", change.Name);
        }

        if (change.ConfigJson is not null)
        {
            sql.Append(", config_json = @config");
            RelationalQueries.Bind(cmd, "@config", change.ConfigJson);
        }

        if (change.ReplaceAuth)
        {
            sql.Append(", protected_auth = @auth");
            RelationalQueries.Bind(cmd, "@auth", change.ProtectedAuth);
        }

        if (change.Enabled is { } enabled)
        {
            sql.Append(enabled ? ", enabled = @enabled, consecutive_failures = 0, disabled_reason = NULL" : ", enabled = @enabled, disabled_reason = @reason");
            RelationalQueries.Bind(cmd, "@enabled", enabled);
            if (!enabled)
            {
                RelationalQueries.Bind(cmd, "@reason", change.DisabledReason);
            }
        }

        sql.Append(" WHERE tenant_id = @t AND id = @id");
        RelationalQueries.Bind(cmd, "@t", change.TenantId);
        RelationalQueries.Bind(cmd, "@id", change.Id);
        if (change.ExpectedVersion is { } expected)
        {
            sql.Append(" AND version = @expected");
            RelationalQueries.Bind(cmd, "@expected", expected);
        }

        return sql.Append(';').ToString();
    }

    /// <summary>The error for a change that updated nothing although the destination exists: its version moved on.</summary>
    public static WebhookConcurrencyException Conflict(DestinationChange change, DestinationRecord current)
        => new(change.TenantId, change.Id, change.ExpectedVersion ?? current.Version, current.Version);

    /// <summary>Applies an attempt's outcome to the destination read under the write lock (see <see cref="DestinationHealth.Apply"/>).</summary>
    /// <returns>The result, or <see langword="null"/> when the destination no longer exists (nothing to write).</returns>
    public static DestinationOutcomeResult? ApplyOutcome(DestinationRecord? current, DestinationOutcome outcome)
    {
        if (current is null)
        {
            return null;
        }

        var (updated, justDisabled) = DestinationHealth.Apply(current, outcome);
        return new DestinationOutcomeResult(updated, justDisabled);
    }

    /// <summary>
    /// Records an attempt's outcome on its destination in the caller's transaction: reads the destination (locked
    /// where the dialect locks rows), applies the health rule and writes the health columns only.
    /// </summary>
    /// <returns>The result, or <see langword="null"/> when the destination no longer exists.</returns>
    public static async Task<DestinationOutcomeResult?> RecordOutcomeAsync(DbConnection c, DbTransaction tx, RelationalDialect dialect, DestinationOutcome outcome, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var table = dialect.Table("destinations");
        DestinationRecord? current = null;
        var read = c.CreateCommand();
        await using (read.ConfigureAwait(false))
        {
            read.Transaction = tx;
#pragma warning disable CA2100 // The table name is the store's own; values are parameters.
            read.CommandText = "SELECT " + RelationalRows.DestinationColumns + " FROM " + table + " WHERE tenant_id = @t AND id = @id" + dialect.LockRows + ";";
#pragma warning restore CA2100
            RelationalQueries.Bind(read, "@t", outcome.TenantId);
            RelationalQueries.Bind(read, "@id", outcome.DestinationId);
            var r = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (r.ConfigureAwait(false))
            {
                if (await r.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    current = RelationalRows.ReadDestination(r, dialect);
                }
            }
        }

        if (ApplyOutcome(current, outcome) is not { } result)
        {
            return null;
        }

        var write = c.CreateCommand();
        await using (write.ConfigureAwait(false))
        {
            write.Transaction = tx;
            HealthUpdate(write, table, result.Destination, dialect.Time);
            await write.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return result;
    }

    /// <summary>Makes <paramref name="cmd"/> the health write of an outcome: health columns only, never the version or configuration.</summary>
    public static void HealthUpdate(DbCommand cmd, string table, DestinationRecord updated, Func<DateTimeOffset, object> time)
    {
        cmd.CommandText = "UPDATE " + table + " SET enabled = @enabled, last_success_at = @ls, last_failure_at = @lf, consecutive_failures = @cf, disabled_reason = @reason WHERE tenant_id = @t AND id = @id;";
        RelationalQueries.Bind(cmd, "@enabled", updated.Enabled);
        RelationalQueries.Bind(cmd, "@ls", updated.LastSuccessAt is { } ls ? time(ls) : null);
        RelationalQueries.Bind(cmd, "@lf", updated.LastFailureAt is { } lf ? time(lf) : null);
        RelationalQueries.Bind(cmd, "@cf", updated.ConsecutiveFailures);
        RelationalQueries.Bind(cmd, "@reason", updated.DisabledReason);
        RelationalQueries.Bind(cmd, "@t", updated.TenantId);
        RelationalQueries.Bind(cmd, "@id", updated.Id);
    }
}
