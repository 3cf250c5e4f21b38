using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Webhooks.Sdk.Benchmarks.Throughput;

namespace Webhooks.Sdk.Benchmarks.Harness;

/// <summary>
/// The lean receiver (<see cref="LeanReceiver"/>) run in a child process (<c>receiver</c> command of this program), so
/// that neither its CPU time nor its allocations are counted for the side being measured. The child prints its URL on
/// its first line and, for every request whose <c>webhook-id</c> starts with the stamp prefix, a line
/// <c>s ID TIMESTAMP</c> with <see cref="Stopwatch.GetTimestamp"/> at the moment the request arrived (a system-wide
/// monotonic clock on Linux, so both processes read the same clock). <c>GET /stats</c> answers the counters.
/// The child stops when its standard input closes.
/// </summary>
internal sealed class ChildReceiver : IAsyncDisposable
{
    private readonly Process _process;
    private readonly HttpClient _control = new(new SocketsHttpHandler { UseProxy = false });
    private readonly ConcurrentDictionary<string, TaskCompletionSource<long>> _stamps = new(StringComparer.Ordinal);
    private Task? _reader;

    private ChildReceiver(Process process) => _process = process;

    public Uri Url { get; private set; } = null!;

    public int ProcessId => _process.Id;

    /// <summary>Starts the child and waits for its URL.</summary>
    /// <param name="stampPrefix">Requests whose <c>webhook-id</c> starts with this are stamped; <see langword="null"/> for none.</param>
    public static async Task<ChildReceiver> StartAsync(string? stampPrefix = null)
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("No process path.");
        var start = new ProcessStartInfo
        {
            FileName = self,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        if (string.Equals(Path.GetFileNameWithoutExtension(self), "dotnet", StringComparison.OrdinalIgnoreCase))
        {
            start.ArgumentList.Add(typeof(ChildReceiver).Assembly.Location);
        }

        start.ArgumentList.Add("receiver");
        if (stampPrefix is not null)
        {
            start.ArgumentList.Add("--stamp-prefix");
            start.ArgumentList.Add(stampPrefix);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the receiver process.");
        var receiver = new ChildReceiver(process);
        var first = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
        if (first is null || !first.StartsWith("url ", StringComparison.Ordinal))
        {
            process.Kill();
            throw new InvalidOperationException($"The receiver process did not start (said: {first ?? "nothing"}).");
        }

        receiver.Url = new Uri(first[4..]);
        receiver._reader = Task.Run(receiver.ReadStampsAsync);
        return receiver;
    }

    /// <summary>Gets the arrival stamp of the request with this <c>webhook-id</c> (call before sending it or after: both work).</summary>
    public Task<long> StampAsync(string id) => _stamps.GetOrAdd(id, static _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// <summary>Forgets a stamp that was read.</summary>
    public void Forget(string id) => _stamps.TryRemove(id, out _);

    public async Task<ReceiverStats> GetStatsAsync()
    {
        var text = await _control.GetStringAsync(new Uri(Url, "/stats"));
        var parts = text.Split(' ');
        return new ReceiverStats(
            long.Parse(parts[0], CultureInfo.InvariantCulture),
            long.Parse(parts[1], CultureInfo.InvariantCulture),
            long.Parse(parts[2], CultureInfo.InvariantCulture));
    }

    /// <summary>The child's CPU time so far (user + system), from <c>/proc</c>.</summary>
    public TimeSpan CpuTime => ProcStat.CpuTime(_process.Id);

    private async Task ReadStampsAsync()
    {
        string? line;
        while ((line = await _process.StandardOutput.ReadLineAsync()) is not null)
        {
            if (line.StartsWith("s ", StringComparison.Ordinal))
            {
                var space = line.LastIndexOf(' ');
                var id = line[2..space];
                var stamp = long.Parse(line.AsSpan(space + 1), CultureInfo.InvariantCulture);
                _stamps.GetOrAdd(id, static _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(stamp);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill();
        }

        if (_reader is not null)
        {
            await _reader.WaitAsync(TimeSpan.FromSeconds(5));
        }

        _process.Dispose();
        _control.Dispose();
    }
}

/// <summary>The child receiver's counters.</summary>
/// <param name="Requests">Requests answered.</param>
/// <param name="Connections">TCP connections accepted.</param>
/// <param name="Bytes">Request body bytes read.</param>
internal readonly record struct ReceiverStats(long Requests, long Connections, long Bytes)
{
    public static ReceiverStats operator -(ReceiverStats a, ReceiverStats b) => new(a.Requests - b.Requests, a.Connections - b.Connections, a.Bytes - b.Bytes);
}

/// <summary>The <c>receiver</c> command: the child side of <see cref="ChildReceiver"/>.</summary>
internal static class ReceiverCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        string? prefix = null;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            if (args[i] == "--stamp-prefix")
            {
                prefix = args[i + 1];
            }
        }

        await using var receiver = await LeanReceiver.StartAsync(prefix);
        Console.Out.WriteLine("url " + receiver.Url);
        Console.Out.Flush();

        // Run until the parent closes our standard input (or dies).
        using var stdin = Console.OpenStandardInput();
        var buffer = new byte[256];
        while (await stdin.ReadAsync(buffer) > 0)
        {
        }

        return 0;
    }
}
