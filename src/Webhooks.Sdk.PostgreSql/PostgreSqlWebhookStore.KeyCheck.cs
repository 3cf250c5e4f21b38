using Npgsql;
using Webhooks.Sdk.Relational;
using Webhooks.Sdk.Storage;

namespace Webhooks.Sdk.PostgreSql;

/// <summary>The key-check value and the outbox transaction check (separate from the queue's schema and migrations).</summary>
public sealed partial class PostgreSqlWebhookStore : IWebhookKeyCheckStore, IWebhookOutboxStore
{
    /// <inheritdoc />
    public Task<string?> GetKeyCheckAsync(CancellationToken cancellationToken)
        => RunAsync<string?>(
            async c =>
            {
                await CreateKeyCheckTableAsync(c, cancellationToken).ConfigureAwait(false);
                await using var cmd = Command(c, null, $"SELECT value FROM {_s}.webhooks_key_check WHERE id = 1");
                return await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
            },
            cancellationToken);

    /// <inheritdoc />
    public Task SetKeyCheckAsync(string value, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value);
        return RunAsync(
            async c =>
            {
                await CreateKeyCheckTableAsync(c, cancellationToken).ConfigureAwait(false);
                await using var cmd = Command(c, null, $"INSERT INTO {_s}.webhooks_key_check (id, value) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET value = excluded.value");
                cmd.Parameters.AddWithValue(value);
                return await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public void ValidateTransaction(System.Data.Common.DbTransaction transaction)
    {
        var connection = RelationalOutbox.Open<NpgsqlTransaction>(transaction, "PostgreSQL").Connection!; // Open checked it is not closed.
        var configured = new NpgsqlConnectionStringBuilder(_dataSource.ConnectionString);
        if (!string.Equals(connection.Database, configured.Database ?? configured.Username, StringComparison.Ordinal)
            || !string.Equals(connection.Host, configured.Host, StringComparison.OrdinalIgnoreCase)
            || connection.Port != configured.Port)
        {
            throw new ArgumentException(
                $"PublishAsync(event, transaction): the transaction is on another database ('{connection.Database}' on {connection.Host}:{connection.Port}); the webhook store uses '{configured.Database}' on {configured.Host}:{configured.Port}. "
                + "The outbox needs the application's tables and the webhook tables in the same database.");
        }
    }

#pragma warning disable CA2100 // The schema name is quoted by PostgreSqlSchema.Quote.
    private async Task CreateKeyCheckTableAsync(NpgsqlConnection c, CancellationToken cancellationToken)
    {
        await using var cmd = Command(c, null, $"CREATE TABLE IF NOT EXISTS {_s}.webhooks_key_check (id integer PRIMARY KEY CHECK (id = 1), value text NOT NULL)");
        await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
#pragma warning restore CA2100
}
