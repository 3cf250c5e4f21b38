using Microsoft.Data.Sqlite;
using Webhooks.Sdk.Relational;
using Webhooks.Sdk.Storage;

namespace Webhooks.Sdk.Sqlite;

/// <summary>The key-check value and the outbox transaction check (separate from the queue's schema and migrations).</summary>
public sealed partial class SqliteWebhookStore : IWebhookKeyCheckStore, IWebhookOutboxStore
{
    private const string KeyCheckTable = "CREATE TABLE IF NOT EXISTS webhooks_key_check (id INTEGER PRIMARY KEY CHECK (id = 1), value TEXT NOT NULL)";

    /// <inheritdoc />
    public async Task<string?> GetKeyCheckAsync(CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            Exec(connection, null, KeyCheckTable);
            using var cmd = Command(connection, null, "SELECT value FROM webhooks_key_check WHERE id = 1");
            return cmd.ExecuteScalar() as string;
        }
    }

    /// <inheritdoc />
    public async Task SetKeyCheckAsync(string value, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value);
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            Exec(connection, null, KeyCheckTable);
            Exec(connection, null, "INSERT INTO webhooks_key_check (id, value) VALUES (1, $value) ON CONFLICT (id) DO UPDATE SET value = excluded.value", ("$value", value));
        }
    }

    /// <inheritdoc />
    public void ValidateTransaction(System.Data.Common.DbTransaction transaction)
    {
        var connection = RelationalOutbox.Open<SqliteTransaction>(transaction, "SQLite").Connection!; // Open checked it is not closed.
        if (!SameDatabase(connection.DataSource, _dataSource))
        {
            throw new ArgumentException(
                $"PublishAsync(event, transaction): the transaction is on another database ('{connection.DataSource}'); the webhook store is '{_dataSource}'. "
                + "The outbox needs the application's tables and the webhook tables in the same SQLite file: open the transaction on the store's file, or use UseSqliteStore with the application's database.");
        }
    }

    private static bool SameDatabase(string? connected, string configured)
    {
        if (string.IsNullOrEmpty(connected) || string.IsNullOrEmpty(configured))
        {
            return false;
        }

        if (connected == ":memory:" || configured == ":memory:")
        {
            return string.Equals(connected, configured, StringComparison.Ordinal);
        }

        return string.Equals(Path.GetFullPath(connected), Path.GetFullPath(configured), OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
    }
}
