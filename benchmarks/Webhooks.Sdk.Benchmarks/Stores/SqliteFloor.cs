using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace Webhooks.Sdk.Benchmarks.Stores;

/// <summary>The rows one table gained in one publish, read back from the library's SQLite file.</summary>
/// <param name="Table">The table.</param>
/// <param name="Columns">Its columns, in order.</param>
/// <param name="Rows">The values of each new row.</param>
internal sealed record FloorTable(string Table, IReadOnlyList<string> Columns, IReadOnlyList<object[]> Rows);

/// <summary>A table's state before the publish: its largest rowid, or (without rowid) its primary key and the keys present.</summary>
/// <param name="MaxRowid">The largest rowid (rowid tables).</param>
/// <param name="PrimaryKey">The primary key's columns (tables without rowid).</param>
/// <param name="Keys">The primary keys present (tables without rowid), or <see langword="null"/> for a rowid table.</param>
internal sealed record TableState(long MaxRowid, string[] PrimaryKey, HashSet<string>? Keys);

/// <summary>
/// The physical floor of a fan-out on SQLite: what plain <c>Microsoft.Data.Sqlite</c> takes to insert the same rows the
/// library wrote for one publish, into the same schema (tables and indexes copied from the library's file) holding the
/// same data as before that publish, with the same journal mode and synchronous setting, one prepared statement per
/// table and one transaction. The schema is read from the file, so the floor follows whatever the store creates.
/// </summary>
internal static class SqliteFloor
{
    /// <summary>
    /// What every table holds before the publish: its largest rowid, or for a table without rowid the set of its
    /// primary keys.
    /// </summary>
    public static Dictionary<string, TableState> Snapshot(string path)
    {
        using var connection = Open(path, readOnly: true);
        var result = new Dictionary<string, TableState>(StringComparer.Ordinal);
        foreach (var (table, rowid) in Tables(connection))
        {
            if (rowid)
            {
                using var command = connection.CreateCommand();
                command.CommandText = $"SELECT coalesce(max(rowid), 0) FROM {Quote(table)}";
                result[table] = new TableState(Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture), [], null);
            }
            else
            {
                var keys = PrimaryKey(connection, table);
                var seen = new HashSet<string>(StringComparer.Ordinal);
                using var command = connection.CreateCommand();
                command.CommandText = $"SELECT {string.Join(", ", keys.Select(Quote))} FROM {Quote(table)}";
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    seen.Add(Key(reader, keys.Length));
                }

                result[table] = new TableState(0, keys, seen);
            }
        }

        return result;
    }

    /// <summary>The rows added to each table since <paramref name="before"/> was taken.</summary>
    public static List<FloorTable> RowsAfter(string path, Dictionary<string, TableState> before)
    {
        using var connection = Open(path, readOnly: true);
        var tables = new List<FloorTable>();
        foreach (var (table, state) in before)
        {
            using var command = connection.CreateCommand();
            command.CommandText = state.Keys is null
                ? $"SELECT * FROM {Quote(table)} WHERE rowid > {state.MaxRowid} ORDER BY rowid"
                : $"SELECT * FROM {Quote(table)}";
            using var reader = command.ExecuteReader();
            var columns = Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToArray();
            var keyIndexes = state.PrimaryKey.Select(k => Array.IndexOf(columns, k)).ToArray();
            var rows = new List<object[]>();
            while (reader.Read())
            {
                var values = new object[reader.FieldCount];
                reader.GetValues(values);
                if (state.Keys is not null && state.Keys.Contains(string.Join("\u001f", keyIndexes.Select(i => Convert.ToString(values[i], System.Globalization.CultureInfo.InvariantCulture)))))
                {
                    continue;
                }

                rows.Add(values);
            }

            if (rows.Count > 0)
            {
                tables.Add(new FloorTable(table, columns, rows));
            }
        }

        return tables;
    }

    /// <summary>Builds the floor file (untimed) and returns the milliseconds the timed insert took.</summary>
    public static double Insert(string libraryPath, string floorPath, Dictionary<string, TableState> before, List<FloorTable> rows, bool synchronousFull)
    {
        SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { string.Empty, "-wal", "-shm", "-journal" })
        {
            File.Delete(floorPath + suffix);
        }

        using var connection = Open(floorPath, readOnly: false);
        Exec(connection, "PRAGMA journal_mode=WAL;");
        Exec(connection, synchronousFull ? "PRAGMA synchronous=FULL;" : "PRAGMA synchronous=NORMAL;");

        // Same schema, same data as before the publish (untimed).
        var schema = new List<(string Type, string Sql)>();
        using (var library = Open(libraryPath, readOnly: true))
        using (var command = library.CreateCommand())
        {
            command.CommandText = "SELECT type, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY CASE type WHEN 'table' THEN 0 ELSE 1 END, rowid";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                schema.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        foreach (var (_, sql) in schema)
        {
            Exec(connection, sql);
        }

        Exec(connection, $"ATTACH DATABASE '{libraryPath.Replace("'", "''", StringComparison.Ordinal)}' AS lib;");
        foreach (var (table, state) in before)
        {
            Exec(connection, $"INSERT INTO main.{Quote(table)} SELECT * FROM lib.{Quote(table)}{(state.Keys is null ? $" WHERE rowid <= {state.MaxRowid}" : string.Empty)};");
        }

        // A table without rowid was copied whole: take out the rows the publish added, which are inserted below.
        foreach (var table in rows.Where(t => before[t.Table].Keys is not null))
        {
            var keys = before[table.Table].PrimaryKey;
            using var delete = connection.CreateCommand();
            delete.CommandText = $"DELETE FROM main.{Quote(table.Table)} WHERE {string.Join(" AND ", keys.Select((k, i) => $"{Quote(k)} = $k{i}"))}";
            var parameters = keys.Select((_, i) => delete.Parameters.Add(new SqliteParameter("$k" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), null))).ToArray();
            var indexes = keys.Select(k => table.Columns.ToList().IndexOf(k)).ToArray();
            foreach (var row in table.Rows)
            {
                for (var i = 0; i < parameters.Length; i++)
                {
                    parameters[i].Value = row[indexes[i]];
                }

                delete.ExecuteNonQuery();
            }
        }

        Exec(connection, "DETACH DATABASE lib;");
        Exec(connection, "PRAGMA wal_checkpoint(TRUNCATE);");

        // Timed: one transaction, one prepared statement per table.
        var stopwatch = Stopwatch.StartNew();
        using (var transaction = connection.BeginTransaction())
        {
            foreach (var table in rows)
            {
                using var insert = connection.CreateCommand();
                insert.Transaction = transaction;
                insert.CommandText = $"INSERT INTO {Quote(table.Table)} ({string.Join(", ", table.Columns.Select(Quote))}) VALUES ({string.Join(", ", table.Columns.Select((_, i) => "$p" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)))})";
                var parameters = table.Columns.Select((_, i) => insert.Parameters.Add(new SqliteParameter("$p" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), null))).ToArray();
                insert.Prepare();
                foreach (var row in table.Rows)
                {
                    for (var i = 0; i < parameters.Length; i++)
                    {
                        parameters[i].Value = row[i];
                    }

                    insert.ExecuteNonQuery();
                }
            }

            transaction.Commit();
        }

        var elapsed = stopwatch.Elapsed.TotalMilliseconds;
        connection.Close();
        return elapsed;
    }

    private static List<(string Name, bool Rowid)> Tables(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name";
        using var reader = command.ExecuteReader();
        var tables = new List<(string, bool)>();
        while (reader.Read())
        {
            tables.Add((reader.GetString(0), !reader.GetString(1).Contains("WITHOUT ROWID", StringComparison.OrdinalIgnoreCase)));
        }

        return tables;
    }

    private static string[] PrimaryKey(SqliteConnection connection, string table)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT name FROM pragma_table_info({QuoteLiteral(table)}) WHERE pk > 0 ORDER BY pk";
        using var reader = command.ExecuteReader();
        var keys = new List<string>();
        while (reader.Read())
        {
            keys.Add(reader.GetString(0));
        }

        return [.. keys];
    }

    private static string Key(SqliteDataReader reader, int count)
        => string.Join("\u001f", Enumerable.Range(0, count).Select(i => Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)));

    private static string QuoteLiteral(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    private static SqliteConnection Open(string path, bool readOnly)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = readOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        connection.Open();
        return connection;
    }

    private static void Exec(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static string Quote(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
