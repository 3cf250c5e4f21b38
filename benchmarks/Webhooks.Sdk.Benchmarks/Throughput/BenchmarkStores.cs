using Microsoft.Extensions.DependencyInjection;

namespace Webhooks.Sdk.Benchmarks.Throughput;

/// <summary>
/// The one place where <c>--store</c> is turned into a store registration: <c>memory</c>, <c>sqlite:PATH</c> (use a new
/// file for comparable figures; <c>sqlite-normal:PATH</c> with <c>synchronous=NORMAL</c>) or <c>postgres:CONNECTION</c> (tables in schema <c>webhooks_bench</c>). Durable stores get a
/// throw-away secret key.
/// </summary>
internal static class BenchmarkStores
{
    public const string Default = "memory";

    /// <summary>The store names this build knows, for the usage text.</summary>
    public const string Known = "memory|sqlite:PATH|sqlite-normal:PATH|postgres:CONNECTION";

    /// <summary>The schema the PostgreSQL store uses in every benchmark.</summary>
    public const string PostgresSchema = "webhooks_bench";

    /// <summary>Splits <c>kind:argument</c>.</summary>
    public static (string Kind, string? Argument) Split(string spec)
    {
        var colon = spec.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? (spec, null) : (spec[..colon], spec[(colon + 1)..]);
    }

    /// <summary>
    /// Empties the store before a run: deletes the SQLite file (with its <c>-wal</c> and <c>-shm</c>), or truncates every
    /// table of the PostgreSQL schema except its version table and vacuums them. The in-memory store starts empty anyway.
    /// </summary>
    public static async Task ResetAsync(string spec)
    {
        var (kind, argument) = Split(spec);
        switch (kind)
        {
            case "sqlite" or "sqlite-normal" when !string.IsNullOrEmpty(argument):
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                foreach (var suffix in new[] { string.Empty, "-wal", "-shm", "-journal" })
                {
                    File.Delete(argument + suffix);
                }

                break;
            case "postgres" when !string.IsNullOrEmpty(argument):
                await using (var source = Npgsql.NpgsqlDataSource.Create(argument))
                {
                    var tables = new List<string>();
                    await using (var list = source.CreateCommand("SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY tablename"))
                    {
                        list.Parameters.Add(new Npgsql.NpgsqlParameter { Value = PostgresSchema });
                        await using var reader = await list.ExecuteReaderAsync();
                        while (await reader.ReadAsync())
                        {
                            tables.Add(reader.GetString(0));
                        }
                    }

                    var data = tables.Where(t => !t.Contains("version", StringComparison.OrdinalIgnoreCase) && !t.Contains("migration", StringComparison.OrdinalIgnoreCase)).ToList();
                    if (data.Count > 0)
                    {
                        await using var truncate = source.CreateCommand($"TRUNCATE {string.Join(", ", data.Select(Qualified))} RESTART IDENTITY CASCADE");
                        await truncate.ExecuteNonQueryAsync();
                    }

                    foreach (var table in tables)
                    {
                        await using var vacuum = source.CreateCommand($"VACUUM (ANALYZE) {Qualified(table)}");
                        await vacuum.ExecuteNonQueryAsync();
                    }
                }

                break;
        }

        static string Qualified(string table) => "\"" + PostgresSchema + "\".\"" + table.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>Registers the store named by <paramref name="spec"/> (<c>kind</c> or <c>kind:argument</c>).</summary>
    public static void Use(IWebhooksBuilder builder, string spec)
    {
        var (kind, argument) = Split(spec);
        switch (kind)
        {
            case "memory":
                // AddWebhooks() registers the in-memory store by default.
                _ = builder;
                _ = argument;
                break;
            case "sqlite" when !string.IsNullOrEmpty(argument):
                UseThrowAwayKey(builder);
                builder.UseSqliteStore(argument);
                break;
            case "sqlite-normal" when !string.IsNullOrEmpty(argument):
                UseThrowAwayKey(builder);
                builder.UseSqliteStore(argument, o => o.Synchronous = Webhooks.Sdk.Sqlite.SqliteSynchronousMode.Normal);
                break;
            case "postgres" when !string.IsNullOrEmpty(argument):
                UseThrowAwayKey(builder);
                builder.UsePostgreSqlStore(argument, o => o.Schema = PostgresSchema);
                break;
            default:
                throw new ArgumentException($"Unknown store '{kind}'. Known: {Known}.");
        }
    }

    /// <summary>One throw-away secret key per process, so that every host of one run reads what another wrote.</summary>
    private static readonly string ThrowAwayKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    private static void UseThrowAwayKey(IWebhooksBuilder builder)
        => builder.Services.Configure<WebhooksOptions>(o => o.Secrets.Key ??= ThrowAwayKey);
}
