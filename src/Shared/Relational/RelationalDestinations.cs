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
}
