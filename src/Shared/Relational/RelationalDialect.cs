using System.Data;
using System.Data.Common;

namespace Webhooks.Sdk.Relational;

/// <summary>
/// What differs between the SQL dialects of the relational stores: table names, how a time is bound and read, and a
/// few SQL fragments. Everything else (the queue's state machine, row mapping, history queries) is written once
/// against it.
/// </summary>
internal sealed class RelationalDialect
{
    /// <summary>Gets the prefix of every table name: <c>webhooks_</c> (SQLite) or the quoted schema and a dot (PostgreSQL).</summary>
    public required string TablePrefix { get; init; }

    /// <summary>Gets the two-argument maximum function (<c>MAX</c> in SQLite, <c>GREATEST</c> in PostgreSQL).</summary>
    public required string Greatest { get; init; }

    /// <summary>Gets the expression of the next delivery sequence number (a requeued ordered delivery goes to the back of its key).</summary>
    public required string NextSequence { get; init; }

    /// <summary>Gets the locking clause of the lease candidates (PostgreSQL skips rows another instance is leasing).</summary>
    public required string LockCandidates { get; init; }

    /// <summary>Gets the locking clause of rows read before they are updated in the same transaction.</summary>
    public required string LockRows { get; init; }

    /// <summary>Gets a value indicating whether an INSERT can run in a WITH clause of the statement that follows (PostgreSQL).</summary>
    public required bool WritesInWith { get; init; }

    /// <summary>Gets how a time is bound (SQLite: UTC ticks; PostgreSQL: a UTC <see cref="DateTimeOffset"/>).</summary>
    public required Func<DateTimeOffset, object> Time { get; init; }

    /// <summary>Gets how a time column is read.</summary>
    public required Func<DbDataReader, int, DateTimeOffset> ReadTime { get; init; }

    /// <summary>Gets the database type of a bound time (so a <see langword="null"/> time is typed too).</summary>
    public required DbType TimeType { get; init; }

    /// <summary>
    /// Gets the statement put before the lease (one statement in its own implicit transaction), or an empty string:
    /// PostgreSQL's <c>set_config('synchronous_commit', 'off', true)</c> when the store's option asks for it. Its one-row
    /// result comes first and is skipped.
    /// </summary>
    public string LeaseCommitPrefix { get; init; } = string.Empty;

    /// <summary>
    /// Gets the statement put before the first write of a completion batch (in its explicit transaction), or an empty
    /// string: PostgreSQL's <c>SET LOCAL synchronous_commit = off</c> when the store's option asks for it.
    /// </summary>
    public string CompletionCommitPrefix { get; init; } = string.Empty;

    /// <summary>
    /// Gets how a command is made, or <see langword="null"/> for <see cref="DbConnection.CreateCommand"/>: SQLite hands
    /// out its writer connection's cached commands (prepared once, reused).
    /// </summary>
    public Func<DbConnection, DbTransaction?, string, DbCommand>? CreateCommand { get; init; }

    /// <summary>Makes a command on a connection, in a transaction, with its text.</summary>
    /// <param name="c">The connection.</param>
    /// <param name="tx">The transaction, or <see langword="null"/>.</param>
    /// <param name="sql">The statement.</param>
    /// <returns>The command (disposed by the caller).</returns>
    public DbCommand Command(DbConnection c, DbTransaction? tx, string sql)
    {
        if (CreateCommand is { } create)
        {
            return create(c, tx, sql);
        }

        var cmd = c.CreateCommand();
        cmd.Transaction = tx;
#pragma warning disable CA2100 // Every statement is the store's own; values are always parameters.
        cmd.CommandText = sql;
#pragma warning restore CA2100
        return cmd;
    }

    /// <summary>Gets a table's full name.</summary>
    /// <param name="name">The table's own name (<c>deliveries</c>, <c>events</c>, ...).</param>
    /// <returns>The name to use in SQL.</returns>
    public string Table(string name) => TablePrefix + name;

    /// <summary>Binds a time, or <see langword="null"/>, with its database type.</summary>
    /// <param name="cmd">The command.</param>
    /// <param name="name">The parameter name.</param>
    /// <param name="value">The time.</param>
    public void BindTime(DbCommand cmd, string name, DateTimeOffset? value)
        => RelationalQueries.Bind(cmd, name, value is { } v ? Time(v) : null, TimeType);

    /// <summary>Reads a nullable time column.</summary>
    /// <param name="r">The reader.</param>
    /// <param name="ordinal">The column.</param>
    /// <returns>The time, or <see langword="null"/>.</returns>
    public DateTimeOffset? ReadNullableTime(DbDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : ReadTime(r, ordinal);
}
