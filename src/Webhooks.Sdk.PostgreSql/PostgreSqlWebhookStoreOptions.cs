namespace Webhooks.Sdk.PostgreSql;

/// <summary>Options of the PostgreSQL store.</summary>
public sealed class PostgreSqlWebhookStoreOptions
{
    /// <summary>
    /// Gets or sets the Npgsql connection string. When <see langword="null"/>, the store uses the
    /// <c>NpgsqlDataSource</c> registered in dependency injection.
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? ConnectionString { get; set; }

    /// <summary>Gets or sets the schema holding the store's tables (created when missing). Lower-case letters, digits and underscores.</summary>
    /// <value>The default value is <c>webhooks</c>.</value>
    public string Schema { get; set; } = "webhooks";

    /// <summary>Gets or sets a value indicating whether this instance listens for NOTIFY to wake its dispatcher when another instance enqueues.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool Listen { get; set; } = true;

    /// <summary>Gets or sets the first wait before the listener reconnects after losing its connection; it doubles up to <see cref="ListenReconnectMaxDelay"/>.</summary>
    /// <value>The default value is 500 milliseconds.</value>
    public TimeSpan ListenReconnectDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Gets or sets the longest wait between reconnection attempts of the listener.</summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan ListenReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Gets or sets a value indicating whether lease and completion writes commit with
    /// <c>synchronous_commit = off</c> (set locally in their own transaction): the commit returns without waiting for
    /// the server to flush its write-ahead log, which saves a WAL flush per lease and per completion batch. Only a
    /// crash of the database server itself (not of the application) can lose such a commit, within about three times
    /// the server's <c>wal_writer_delay</c> (600 ms by default); a lost lease or completion only makes the delivery
    /// due again, so it is sent again (same <c>webhook-id</c>): a duplicate, never a loss. Enqueueing (the publish)
    /// always commits synchronously, whatever this says. Set it to <see langword="false"/> to have every queue write
    /// wait for the flush.
    /// </summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool RelaxedQueueCommits { get; set; } = true;

    /// <summary>Gets the NOTIFY channel of this schema.</summary>
    internal string Channel => Schema + "_queue";
}
