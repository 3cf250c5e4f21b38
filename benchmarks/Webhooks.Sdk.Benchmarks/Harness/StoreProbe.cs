using System.Globalization;
using Npgsql;
using Webhooks.Sdk.Benchmarks.Throughput;

namespace Webhooks.Sdk.Benchmarks.Harness;

/// <summary>
/// What a store costs outside this process's CPU: for PostgreSQL the server's CPU time (every process of the server
/// read from <c>/proc</c>, exited backends through the postmaster's reaped-children times), the WAL written
/// (<c>pg_current_wal_lsn()</c> before and after) and the commands Npgsql sent (round trips); for SQLite the growth of
/// the <c>-wal</c> file after a truncating checkpoint. The WAL and CPU figures cover the whole server: run on a quiet machine.
/// </summary>
internal sealed class StoreProbe : IAsyncDisposable
{
    private readonly string _kind;
    private readonly string? _argument;
    private readonly NpgsqlDataSource? _postgres;
    private readonly NpgsqlCommandCounter? _commands;
    private readonly int _postmaster;

    private StoreProbe(string kind, string? argument, NpgsqlDataSource? postgres, int postmaster)
    {
        _kind = kind;
        _argument = argument;
        _postgres = postgres;
        _postmaster = postmaster;
        _commands = postgres is null ? null : new NpgsqlCommandCounter();
    }

    public static async Task<StoreProbe> CreateAsync(string spec)
    {
        var (kind, argument) = BenchmarkStores.Split(spec);
        if (kind != "postgres" || argument is null)
        {
            return new StoreProbe(kind, argument, null, 0);
        }

        var source = NpgsqlDataSource.Create(argument);
        await using var command = source.CreateCommand("SELECT pg_backend_pid()");
        var backend = Convert.ToInt32(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
        var postmaster = ProcStat.CpuAndParent(backend)?.ParentId ?? 0;
        return new StoreProbe(kind, argument, source, postmaster);
    }

    public bool IsPostgres => _postgres is not null;

    public bool IsSqlite => _kind is "sqlite" or "sqlite-normal";

    public async Task<StoreSample> SampleAsync(bool before)
    {
        if (_postgres is not null)
        {
            // Read the client-side command count so that the probe's own query falls outside the interval.
            var commandsAfter = _commands!.Commands;
            var durationAfter = _commands.Duration;
            await using var command = _postgres.CreateCommand("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint");
            var wal = Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
            var commands = before ? _commands.Commands : commandsAfter;
            var duration = before ? _commands.Duration : durationAfter;
            return new StoreSample(ServerCpu(), wal, commands, 0, duration);
        }

        if (IsSqlite && _argument is not null)
        {
            if (before)
            {
                // Empty the -wal file first, so that its growth counts from zero (until the store's next automatic
                // checkpoint starts reusing it: then the growth is a lower bound of the WAL written).
                using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_argument};Pooling=False");
                connection.Open();
                using var checkpoint = connection.CreateCommand();
                checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
                checkpoint.ExecuteNonQuery();
            }

            var wal = new FileInfo(_argument + "-wal");
            return new StoreSample(TimeSpan.Zero, 0, 0, wal.Exists ? wal.Length : 0, TimeSpan.Zero);
        }

        return default;
    }

    /// <summary>Describes a difference of two samples per delivery, or returns <see langword="null"/> for the in-memory store.</summary>
    public string? Describe(StoreSample delta, int deliveries)
    {
        if (_postgres is not null)
        {
            return FormattableString.Invariant(
                $"PostgreSQL server {delta.ServerCpu.TotalMicroseconds / deliveries:F0} µs CPU, {(double)delta.WalBytes / deliveries:F0} B WAL, {(double)delta.Commands / deliveries:F2} round trips per delivery; a command took {delta.CommandTime.TotalMilliseconds / Math.Max(1, delta.Commands):F2} ms on average (as Npgsql timed it, waiting included)");
        }

        return IsSqlite
            ? FormattableString.Invariant($"SQLite -wal file grew {delta.SqliteWalBytes} B ({(double)delta.SqliteWalBytes / deliveries:F0} B per delivery; the file is reused after each checkpoint, so this is a lower bound)")
            : null;
    }

    private TimeSpan ServerCpu()
    {
        if (_postmaster == 0)
        {
            return TimeSpan.Zero;
        }

        var total = TimeSpan.Zero;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            if (ProcStat.CpuAndParent(pid) is not { } stat)
            {
                continue;
            }

            if (pid == _postmaster)
            {
                total += stat.Cpu + stat.ReapedChildren;
            }
            else if (stat.ParentId == _postmaster)
            {
                total += stat.Cpu;
            }
        }

        return total;
    }

    public async ValueTask DisposeAsync()
    {
        _commands?.Dispose();
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }
    }
}

/// <summary>One reading of <see cref="StoreProbe"/>.</summary>
internal readonly record struct StoreSample(TimeSpan ServerCpu, long WalBytes, long Commands, long SqliteWalBytes, TimeSpan CommandTime)
{
    public static StoreSample operator -(StoreSample a, StoreSample b)
        => new(a.ServerCpu - b.ServerCpu, a.WalBytes - b.WalBytes, a.Commands - b.Commands, a.SqliteWalBytes - b.SqliteWalBytes, a.CommandTime - b.CommandTime);
}
