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

    /// <summary>Gets the NOTIFY channel of this schema.</summary>
    internal string Channel => Schema + "_queue";
}
