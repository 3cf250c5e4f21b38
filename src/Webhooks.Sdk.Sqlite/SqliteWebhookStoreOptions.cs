namespace Webhooks.Sdk.Sqlite;

/// <summary>Options of the SQLite store.</summary>
public sealed class SqliteWebhookStoreOptions
{
    /// <summary>Gets or sets the connection string (for example <c>Data Source=webhooks.db</c>). A bare file path is accepted too.</summary>
    /// <value>The default value is <c>Data Source=webhooks.db</c>.</value>
    public string ConnectionString { get; set; } = "Data Source=webhooks.db";

    /// <summary>Gets or sets how hard SQLite works to keep a commit on disk (see <see cref="SqliteSynchronousMode"/>).</summary>
    /// <value>The default value is <see cref="SqliteSynchronousMode.Full"/>.</value>
    public SqliteSynchronousMode Synchronous { get; set; } = SqliteSynchronousMode.Full;

    /// <summary>Gets or sets how long a command waits for another writer (another process on the same file) before failing.</summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>The SQLite <c>synchronous</c> level the store sets on its connections (the database runs in WAL mode).</summary>
public enum SqliteSynchronousMode
{
    /// <summary>
    /// <c>synchronous=NORMAL</c>: a commit survives the application crashing or being killed, but the last commits can
    /// be lost if the machine loses power or the operating system crashes. Faster: fewer fsync calls.
    /// </summary>
    Normal = 1,

    /// <summary><c>synchronous=FULL</c>: every commit is fsync'ed before it returns; it survives a power loss too.</summary>
    Full = 2,
}
