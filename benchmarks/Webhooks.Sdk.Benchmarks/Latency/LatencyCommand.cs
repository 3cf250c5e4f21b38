using System.Diagnostics;
using System.Globalization;
using Webhooks.Sdk.Benchmarks.Harness;
using Webhooks.Sdk.Benchmarks.Throughput;

namespace Webhooks.Sdk.Benchmarks.Latency;

/// <summary>
/// <c>latency [--store S] [--samples 500] [--warmup 50] [--concurrency 32] [--load-count 3000] [--load-seconds 5]</c>: the time from calling
/// <c>PublishAsync</c> to the request arriving at the receiver (a child process that stamps each probe's arrival with
/// the system's monotonic clock, the same one <see cref="Stopwatch"/> reads here).
/// <list type="number">
/// <item>idle: one probe at a time, each published once the store has nothing pending;</item>
/// <item>the library's throughput is measured (<c>--load-count</c> events from <c>--concurrency</c> publishers);</item>
/// <item>under load: background publishers offer half that rate, paced; after a second, probes are sent one at a time
/// until there are <c>--samples</c> of them and <c>--load-seconds</c> have passed.</item>
/// </list>
/// The last line is the idle run's <c>latency publish→request: p50 X ms, p99 Y ms (N samples)</c>, the loaded run's line
/// just before it.
/// </summary>
internal static class LatencyCommand
{
    private const string ProbePrefix = "lat_";

    public static async Task<int> RunAsync(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            options[args[i].TrimStart('-')] = args[i + 1];
        }

        if (args.Length % 2 != 0 || options.Keys.Any(k => k is not ("store" or "samples" or "concurrency" or "load-count" or "warmup" or "load-seconds")))
        {
            Console.Error.WriteLine($"usage: latency [--store {BenchmarkStores.Known}] [--samples 500] [--warmup 50] [--concurrency 32] [--load-count 3000] [--load-seconds 5]");
            return 2;
        }

        var store = options.GetValueOrDefault("store", BenchmarkStores.Default);
        int Int(string name, int fallback) => options.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        var samples = Int("samples", 500);
        var warmup = Int("warmup", 50);
        var concurrency = Int("concurrency", 32);
        var loadCount = Int("load-count", 3000);
        var loadSeconds = Int("load-seconds", 5);
        Console.WriteLine($"latency store={store} samples={samples} warmup={warmup} concurrency={concurrency} load-count={loadCount} cores={Environment.ProcessorCount}");

        await using var receiver = await ChildReceiver.StartAsync(ProbePrefix);
        using var counter = new AttemptCounter();
        await using var library = await LibraryHost.StartAsync(store, receiver.Url, concurrency);

        // Warm up: the probe path one at a time, and the concurrent path.
        await ProbeAsync(library, receiver, warmup, "lat_w", waitIdle: true, counter);
        await library.PublishAndDrainAsync(LibraryHost.MakeEvents(Math.Max(100, loadCount / 5), "evt_lw"), concurrency, counter);

        Console.WriteLine("idle: one event at a time");
        var idle = await ProbeAsync(library, receiver, samples, "lat_i", waitIdle: true, counter);
        Console.WriteLine("  " + Describe("publish returned", idle.Publish));

        Console.WriteLine($"throughput: {loadCount} events from {concurrency} publishers");
        var elapsed = await library.PublishAndDrainAsync(LibraryHost.MakeEvents(loadCount, "evt_lt"), concurrency, counter);
        var rate = loadCount / elapsed.TotalSeconds;
        var offered = rate / 2;
        Console.WriteLine(Invariant($"  {rate:F0}/s; offering {offered:F0}/s during the loaded run"));

        var attemptsBefore = counter.Total;
        using var stop = new CancellationTokenSource();
        var published = 0L;
        var loadStart = Stopwatch.GetTimestamp();
        var loaders = Enumerable.Range(0, Math.Max(1, concurrency / 4)).Select(_ => Task.Run(async () =>
        {
            var now = DateTimeOffset.UtcNow;
            while (!stop.IsCancellationRequested)
            {
                var k = Interlocked.Increment(ref published) - 1;
                var due = TimeSpan.FromSeconds(k / offered) - Stopwatch.GetElapsedTime(loadStart);
                if (due > TimeSpan.FromMilliseconds(1))
                {
                    try
                    {
                        await Task.Delay(due, stop.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        Interlocked.Decrement(ref published);
                        break;
                    }
                }

                await library.Publisher.PublishAsync(LibraryHost.MakeEvent("evt_ll", (int)k, now));
            }
        })).ToArray();

        // Let the load settle for a second, then probe until both the samples and the duration are reached.
        await Task.Delay(TimeSpan.FromSeconds(1));
        Console.WriteLine("under load: one probe at a time among the background events");
        var loaded = await ProbeAsync(library, receiver, samples, "lat_l", waitIdle: false, counter, TimeSpan.FromSeconds(loadSeconds));
        var loadedFor = Stopwatch.GetElapsedTime(loadStart).TotalSeconds;
        await stop.CancelAsync();
        await Task.WhenAll(loaders);
        Console.WriteLine(Invariant($"  background: {published} events in {loadedFor:F1} s ({published / loadedFor:F0}/s achieved)"));
        Console.WriteLine("  " + Describe("publish returned", loaded.Publish));
        await library.WaitDrainedAsync(counter, attemptsBefore + published + loaded.Request.Count, TimeSpan.FromMinutes(5));

        Console.WriteLine(Invariant($"latency publish→request under load of {offered:F0}/s (half of {rate:F0}/s): {Percentiles(loaded.Request)}"));
        Console.WriteLine($"latency publish→request: {Percentiles(idle.Request)}");
        return 0;
    }

    private static async Task<(List<double> Request, List<double> Publish)> ProbeAsync(LibraryHost library, ChildReceiver receiver, int count, string prefix, bool waitIdle, AttemptCounter counter, TimeSpan minimum = default)
    {
        var request = new List<double>(count);
        var publish = new List<double>(count);
        var now = DateTimeOffset.UtcNow;
        var started = Stopwatch.StartNew();
        for (var i = 0; i < count || started.Elapsed < minimum; i++)
        {
            if (waitIdle)
            {
                await library.WaitDrainedAsync(counter, 0, TimeSpan.FromMinutes(1));
            }

            var probe = LibraryHost.MakeEvent(prefix, i, now);
            var arrival = receiver.StampAsync(probe.Id!);
            var start = Stopwatch.GetTimestamp();
            await library.Publisher.PublishAsync(probe);
            publish.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            try
            {
                var stamp = await arrival.WaitAsync(TimeSpan.FromSeconds(60));
                request.Add((stamp - start) * 1000.0 / Stopwatch.Frequency);
            }
            catch (TimeoutException)
            {
                Console.WriteLine($"  warning: probe {probe.Id} did not arrive within 60 s");
            }

            receiver.Forget(probe.Id!);
        }

        return (request, publish);
    }

    private static string Describe(string what, List<double> values) => $"{what}: {Percentiles(values)}";

    private static string Percentiles(List<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return "no samples";
        }

        double At(double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
        return Invariant($"p50 {At(0.50):F2} ms, p99 {At(0.99):F2} ms ({sorted.Length} samples)");
    }

    private static string Invariant(FormattableString s) => FormattableString.Invariant(s);
}
