using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Webhooks.Sdk.Benchmarks.Harness;
using Webhooks.Sdk.Formatting;

namespace Webhooks.Sdk.Benchmarks.Throughput;

/// <summary>
/// <c>throughput [--count N] [--concurrency C] [--store S] [--pairs P] [--warmup W] [--publishers P] [--breakdown]</c>:
/// N deliveries through the whole library (publish → store → dispatcher → receiver on loopback), then the same bodies
/// with raw <see cref="HttpClient"/> at the same concurrency to the same receiver, alternating the sides P times
/// (library, raw, library, raw, …). The receiver runs in a child process, so the CPU time and allocations measured
/// here are the sender's alone. Each library side starts from an emptied store and a new host, warms up, and stops its
/// clock when the last outcome is recorded in the store. The last line printed is
/// <c>throughput ratio library/raw: R (library X/s, raw Y/s)</c>, the medians over the pairs.
/// </summary>
internal static class ThroughputCommand
{
    private const string Usage = "usage: throughput [--count N] [--concurrency C] [--store " + BenchmarkStores.Known + "] [--pairs P] [--warmup W] [--publishers P] [--breakdown]";

    public static async Task<int> RunAsync(string[] args)
    {
        Settings settings;
        try
        {
            settings = Settings.Parse(args);
        }
        catch (ArgumentException ex)
        {
            Console.Error.WriteLine(ex.Message);
            Console.Error.WriteLine(Usage);
            return 2;
        }

        Console.WriteLine($"count={settings.Count} concurrency={settings.Concurrency} publishers={settings.Publishers} store={settings.Store} pairs={settings.Pairs} warmup={settings.Warmup} cores={Environment.ProcessorCount}");
        await using var receiver = await ChildReceiver.StartAsync();
        await using var probe = await StoreProbe.CreateAsync(settings.Store);
        using var counter = new AttemptCounter();
        using var raw = new RawSender(receiver.Url, settings.Concurrency);

        var warmRaw = LibraryHost.MakeEvents(settings.Warmup, "evt_rw");
        await raw.RunAsync(warmRaw, warmRaw.Select(EnvelopeSerializer.Serialize).ToArray());

        var libraryRuns = new List<Side>();
        var rawRuns = new List<Side>();
        var ratios = new List<double>();
        var warnings = 0;
        for (var pair = 1; pair <= settings.Pairs; pair++)
        {
            // Library: a new host on an emptied store, warmed up, then N deliveries until the last outcome is recorded.
            await using (var library = await LibraryHost.StartAsync(settings.Store, receiver.Url, settings.Concurrency))
            {
                await library.PublishAndDrainAsync(LibraryHost.MakeEvents(settings.Warmup, FormattableString.Invariant($"evt_w{pair}_")), settings.Publishers, counter);
                var events = LibraryHost.MakeEvents(settings.Count, FormattableString.Invariant($"evt_m{pair}_"));
                var failuresBefore = counter.Failures;
                var stats = await receiver.GetStatsAsync();
                var store = await probe.SampleAsync(before: true);
                var receiverCpu = receiver.CpuTime;
                var before = ProcessSample.Take();
                var elapsed = await library.PublishAndDrainAsync(events, settings.Publishers, counter);
                var used = ProcessSample.Take() - before;
                receiverCpu = receiver.CpuTime - receiverCpu;
                var storeUsed = await probe.SampleAsync(before: false) - store;
                var got = await receiver.GetStatsAsync() - stats;
                var log = library.Host.Services.GetRequiredService<IWebhookDeliveryLog>();
                var recent = await log.ListAsync(library.DestinationId, limit: Math.Min(settings.Count, 1000));
                var notSucceeded = recent.Count(d => d.Status != WebhookDeliveryStatus.Succeeded);
                var failures = counter.Failures - failuresBefore;
                var side = new Side(settings.Count / elapsed.TotalSeconds, used, storeUsed, settings.Count);
                libraryRuns.Add(side);
                Console.WriteLine(Invariant($"  pair {pair} library: {settings.Count} deliveries in {elapsed.TotalMilliseconds:F0} ms ({side.Rate:F0}/s); {side.CpuMicros:F1} µs CPU, {side.AllocatedBytes:F0} B allocated, {side.WriteBytes:F0} B written to storage per delivery; receiver got {got.Requests} ({receiverCpu.TotalMicroseconds / settings.Count:F1} µs CPU each), {got.Connections} new connections; failed attempts {failures}, not succeeded among the last {recent.Count}: {notSucceeded}"));
                if (probe.Describe(storeUsed, settings.Count) is { } storeText)
                {
                    Console.WriteLine("    " + storeText);
                }

                if (got.Requests < settings.Count || failures > 0 || notSucceeded > 0)
                {
                    warnings++;
                }
            }

            // Raw: the same bodies and headers through one HttpClient, C requests in flight.
            {
                var events = LibraryHost.MakeEvents(settings.Count, FormattableString.Invariant($"evt_r{pair}_"));
                var bodies = events.Select(EnvelopeSerializer.Serialize).ToArray();
                var failuresBefore = raw.Failures;
                var stats = await receiver.GetStatsAsync();
                var receiverCpu = receiver.CpuTime;
                var before = ProcessSample.Take();
                var elapsed = await raw.RunAsync(events, bodies);
                var used = ProcessSample.Take() - before;
                receiverCpu = receiver.CpuTime - receiverCpu;
                var got = await receiver.GetStatsAsync() - stats;
                var side = new Side(settings.Count / elapsed.TotalSeconds, used, default, settings.Count);
                rawRuns.Add(side);
                Console.WriteLine(Invariant($"  pair {pair} raw:     {settings.Count} requests in {elapsed.TotalMilliseconds:F0} ms ({side.Rate:F0}/s); {side.CpuMicros:F1} µs CPU, {side.AllocatedBytes:F0} B allocated per request; receiver got {got.Requests} ({receiverCpu.TotalMicroseconds / settings.Count:F1} µs CPU each), {got.Connections} new connections; failed {raw.Failures - failuresBefore}"));
                if (got.Requests < settings.Count || raw.Failures > failuresBefore)
                {
                    warnings++;
                }
            }

            ratios.Add(libraryRuns[^1].Rate / rawRuns[^1].Rate);
            Console.WriteLine(Invariant($"  pair {pair} ratio library/raw: {ratios[^1]:F2}"));
        }

        if (warnings > 0)
        {
            Console.WriteLine("warning: not every request succeeded; the figures below are not comparable.");
        }

        if (settings.Breakdown)
        {
            await RunBreakdownAsync(settings, receiver.Url, counter, Median(rawRuns.Select(r => r.Rate)));
        }

        var libraryCpu = Median(libraryRuns.Select(r => r.CpuMicros));
        var rawCpu = Median(rawRuns.Select(r => r.CpuMicros));
        var libraryAlloc = Median(libraryRuns.Select(r => r.AllocatedBytes));
        var rawAlloc = Median(rawRuns.Select(r => r.AllocatedBytes));
        var server = probe.IsPostgres ? Invariant($" + PostgreSQL server {Median(libraryRuns.Select(r => r.Store.ServerCpu.TotalMicroseconds / r.Count)):F0} µs") : string.Empty;
        Console.WriteLine(Invariant($"CPU per delivery (medians): library {libraryCpu:F1} µs{server}, raw {rawCpu:F1} µs (library process / raw: {libraryCpu / rawCpu:F2})"));
        Console.WriteLine(Invariant($"allocated per delivery (medians): library {libraryAlloc:F0} B, raw {rawAlloc:F0} B (library / raw: {libraryAlloc / rawAlloc:F2})"));
        if (probe.IsPostgres)
        {
            Console.WriteLine(Invariant($"PostgreSQL per delivery (medians): WAL {Median(libraryRuns.Select(r => (double)r.Store.WalBytes / r.Count)):F0} B, {Median(libraryRuns.Select(r => (double)r.Store.Commands / r.Count)):F2} round trips"));
        }
        else if (probe.IsSqlite)
        {
            Console.WriteLine(Invariant($"SQLite per delivery (medians): {Median(libraryRuns.Select(r => r.WriteBytes)):F0} B written to storage by the process, -wal file growth {Median(libraryRuns.Select(r => (double)r.Store.SqliteWalBytes / r.Count)):F0} B"));
        }

        Console.WriteLine(Invariant($"ratios: {string.Join(", ", ratios.Select(r => r.ToString("F2", CultureInfo.InvariantCulture)))}"));
        Console.WriteLine(Invariant($"throughput ratio library/raw: {Median(ratios):F2} (library {Median(libraryRuns.Select(r => r.Rate)):F0}/s, raw {Median(rawRuns.Select(r => r.Rate)):F0}/s)"));
        return 0;
    }

    private static async Task RunBreakdownAsync(Settings settings, Uri receiver, AttemptCounter counter, double rawRate)
    {
        var warmup = LibraryHost.MakeEvents(settings.Warmup, "evt_bw");
        var events = LibraryHost.MakeEvents(settings.Count, "evt_bm");
        double senderOnly;
        await using (var library = await LibraryHost.StartAsync(BenchmarkStores.Default, receiver, settings.Concurrency))
        {
            senderOnly = await StageBreakdown.SenderOnlyAsync(library.Host.Services, library.DestinationId, warmup, events, settings.Concurrency);
        }

        var (publishOnly, dispatchOnly) = await StageBreakdown.PublishThenDispatchAsync(settings.Store, receiver, events, settings.Concurrency, counter);
        Console.WriteLine(Invariant($"stage publish only (router + {settings.Store.Split(':')[0]} store, {settings.Concurrency} publishers, no dispatcher): {publishOnly:F0}/s, {publishOnly / rawRate:F2} of raw"));
        Console.WriteLine(Invariant($"stage dispatch only (backlog drained: lease, process, send, complete): {dispatchOnly:F0}/s, {dispatchOnly / rawRate:F2} of raw"));
        Console.WriteLine(Invariant($"stage sender only (render, headers, Polly, client factory, HTTP; no store, no dispatcher): {senderOnly:F0}/s, {senderOnly / rawRate:F2} of raw"));
    }

    internal static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string Invariant(FormattableString s) => FormattableString.Invariant(s);

    /// <summary>One measured side: its rate and what it used per delivery.</summary>
    private sealed record Side(double Rate, ProcessSample Used, StoreSample Store, int Count)
    {
        public double CpuMicros => Used.Cpu.TotalMicroseconds / Count;

        public double AllocatedBytes => (double)Used.Allocated / Count;

        public double WriteBytes => (double)Used.WriteBytes / Count;
    }

    /// <summary>The baseline: the same bodies and headers with a plain <see cref="HttpClient"/>, C requests in flight.</summary>
    private sealed class RawSender : IDisposable
    {
        private readonly HttpClient _client;
        private readonly Uri _url;
        private readonly int _concurrency;
        private readonly string _userAgent = "Webhooks.Sdk/" + (typeof(WebhookEvent).Assembly.GetName().Version?.ToString(3) ?? "0.0.0");
        private long _failures;

        public RawSender(Uri url, int concurrency)
        {
            _url = url;
            _concurrency = concurrency;
            _client = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, UseCookies = false });
        }

        public long Failures => Interlocked.Read(ref _failures);

        public async Task<TimeSpan> RunAsync(WebhookEvent[] events, byte[][] bodies)
        {
            var next = -1;
            var stopwatch = Stopwatch.StartNew();
            var workers = new Task[_concurrency];
            for (var w = 0; w < workers.Length; w++)
            {
                workers[w] = Task.Run(async () =>
                {
                    int i;
                    while ((i = Interlocked.Increment(ref next)) < events.Length)
                    {
                        using var request = new HttpRequestMessage(HttpMethod.Post, _url) { Content = new ReadOnlyMemoryContent(bodies[i]) };
                        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                        request.Headers.TryAddWithoutValidation("User-Agent", _userAgent);
                        request.Headers.TryAddWithoutValidation("webhook-id", events[i].Id);
                        request.Headers.TryAddWithoutValidation("webhook-timestamp", DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
                        request.Headers.TryAddWithoutValidation("webhook-event-type", events[i].Type);
                        request.Headers.TryAddWithoutValidation("webhook-attempt", "1");
                        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                        _ = await response.Content.ReadAsByteArrayAsync();
                        if (!response.IsSuccessStatusCode)
                        {
                            Interlocked.Increment(ref _failures);
                        }
                    }
                });
            }

            await Task.WhenAll(workers);
            return stopwatch.Elapsed;
        }

        public void Dispose() => _client.Dispose();
    }

    private sealed record Settings(int Count, int Concurrency, string Store, int Pairs, int Warmup, bool Breakdown, int Publishers)
    {
        public static Settings Parse(string[] args)
        {
            var count = 5000;
            var concurrency = 32;
            var store = BenchmarkStores.Default;
            var pairs = 3;
            int? warmup = null;
            int? publishers = null;
            var breakdown = false;
            for (var i = 0; i < args.Length; i++)
            {
                if (args[i] == "--breakdown")
                {
                    breakdown = true;
                    continue;
                }

                var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value.");
                switch (args[i])
                {
                    case "--count": count = Positive(args[i], value); break;
                    case "--concurrency": concurrency = Positive(args[i], value); break;
                    case "--warmup": warmup = Positive(args[i], value); break;
                    case "--publishers": publishers = Positive(args[i], value); break;
                    case "--store": store = value; break;
                    case "--pairs": pairs = Positive(args[i], value); break;
                    default: throw new ArgumentException($"Unknown option {args[i]}.");
                }

                i++;
            }

            return new Settings(count, concurrency, store, pairs, warmup ?? Math.Clamp(count / 5, 100, 2000), breakdown, publishers ?? concurrency);
        }

        private static int Positive(string name, string value)
            => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : throw new ArgumentException($"{name} must be a positive integer.");
    }
}
