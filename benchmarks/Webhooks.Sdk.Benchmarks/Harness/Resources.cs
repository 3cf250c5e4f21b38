using System.Diagnostics.Metrics;
using System.Globalization;

namespace Webhooks.Sdk.Benchmarks.Harness;

/// <summary>Reads <c>/proc</c> (Linux): CPU time of a process, its bytes written to storage and its peak resident set.</summary>
internal static class ProcStat
{
    // /proc reports CPU times in USER_HZ, which the kernel fixes at 100 for user space on every mainstream architecture.
    private const long TicksPerSecond = 100;

    /// <summary>User + system CPU time of a live process (<c>/proc/PID/stat</c> fields 14 and 15).</summary>
    public static TimeSpan CpuTime(int pid) => Fields(pid) is { } f ? Ticks(f[11] + f[12]) : TimeSpan.Zero;

    /// <summary>
    /// User + system CPU time of a process and of its children it has waited for (fields 14 to 17), plus its parent
    /// process id (field 4); <see langword="null"/> when it is gone.
    /// </summary>
    public static (TimeSpan Cpu, TimeSpan ReapedChildren, int ParentId)? CpuAndParent(int pid)
        => Fields(pid) is { } f ? (Ticks(f[11] + f[12]), Ticks(f[13] + f[14]), (int)f[1]) : null;

    /// <summary>Bytes this process caused to be written to storage so far (<c>write_bytes</c> of <c>/proc/self/io</c>).</summary>
    public static long WriteBytes() => ReadKey("/proc/self/io", "write_bytes:") ?? 0;

    /// <summary>Peak resident set size of this process in bytes (<c>VmHWM</c> of <c>/proc/self/status</c>).</summary>
    public static long PeakResidentBytes() => (ReadKey("/proc/self/status", "VmHWM:") ?? 0) * 1024;

    private static TimeSpan Ticks(long ticks) => TimeSpan.FromSeconds((double)ticks / TicksPerSecond);

    /// <summary>The numeric fields of <c>/proc/PID/stat</c> after the command name, from field 3 (state is 0).</summary>
    private static long[]? Fields(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        var rest = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        var fields = new long[Math.Min(rest.Length, 20)];
        for (var i = 1; i < fields.Length; i++)
        {
            _ = long.TryParse(rest[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out fields[i]);
        }

        return fields;
    }

    private static long? ReadKey(string path, string key)
    {
        try
        {
            foreach (var line in File.ReadLines(path))
            {
                if (line.StartsWith(key, StringComparison.Ordinal))
                {
                    var value = line[key.Length..].Trim();
                    var space = value.IndexOf(' ', StringComparison.Ordinal);
                    return long.Parse(space < 0 ? value : value[..space], CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }
}

/// <summary>One reading of this process's resources.</summary>
internal readonly record struct ProcessSample(TimeSpan Cpu, long Allocated, long WriteBytes)
{
    public static ProcessSample Take() => new(Environment.CpuUsage.TotalTime, GC.GetTotalAllocatedBytes(precise: true), ProcStat.WriteBytes());

    public static ProcessSample operator -(ProcessSample a, ProcessSample b) => new(a.Cpu - b.Cpu, a.Allocated - b.Allocated, a.WriteBytes - b.WriteBytes);
}

/// <summary>Counts the commands Npgsql executes in this process (one per round trip; a batch counts once).</summary>
internal sealed class NpgsqlCommandCounter : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _commands;
    private long _microseconds;

    public NpgsqlCommandCounter()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "Npgsql" && instrument.Name.EndsWith(".duration", StringComparison.Ordinal) &&
                (instrument.Name.Contains("operation", StringComparison.Ordinal) || instrument.Name.Contains("commands", StringComparison.Ordinal)))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>((_, seconds, _, _) =>
        {
            Interlocked.Increment(ref _commands);
            Interlocked.Add(ref _microseconds, (long)(seconds * 1e6));
        });
        _listener.Start();
    }

    public long Commands => Interlocked.Read(ref _commands);

    /// <summary>Gets the summed duration of those commands, as Npgsql measured them (concurrent commands add up).</summary>
    public TimeSpan Duration => TimeSpan.FromMicroseconds(Interlocked.Read(ref _microseconds));

    public void Dispose() => _listener.Dispose();
}
