using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Webhooks.Sdk.Benchmarks.Harness;
using Webhooks.Sdk.Benchmarks.Throughput;
using Webhooks.Sdk.Storage;

namespace Webhooks.Sdk.Benchmarks.Stores;

/// <summary>
/// Store figures, each against <c>--store</c> (see <see cref="BenchmarkStores"/>; use a new SQLite file or schema):
/// <list type="bullet">
/// <item><c>stores enqueue [--count 10000] [--parallel 16]</c>: publishes N events to one destination, P publishers at
/// once, dispatcher off; prints events/s.</item>
/// <item><c>stores fanout [--count 10000] [--runs 5]</c>: one event to N destinations; prints each publish's time and, on
/// SQLite, the physical floor (<see cref="SqliteFloor"/>); the last line is
/// <c>fanout N: library X ms, floor Y ms, ratio floor/library R</c>.</item>
/// <item><c>stores backlog [--count 1000000] [--concurrency 64] [--slice 100000]</c>: fills N pending deliveries with the
/// dispatcher off, then starts it against the loopback receiver (a child process) and prints the drain rate per slice
/// (100,000 deliveries, or a tenth of a smaller count), the last slice's rate against the first, and the process's peak
/// resident set (<c>VmHWM</c>).</item>
/// </list>
/// </summary>
internal static class StoreBenchmarkCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine($"usage: stores enqueue|fanout|backlog --store {BenchmarkStores.Known} [--count N] [--parallel P] [--runs R] [--concurrency C] [--slice S]");
            return 2;
        }

        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 1; i + 1 < args.Length; i += 2)
        {
            options[args[i].TrimStart('-')] = args[i + 1];
        }

        var store = options.GetValueOrDefault("store", BenchmarkStores.Default);
        int Int(string name, int fallback) => options.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        Console.WriteLine($"stores {args[0]} store={store} cores={Environment.ProcessorCount}");
        return args[0] switch
        {
            "enqueue" => await EnqueueAsync(store, Int("count", 10_000), Int("parallel", 16)),
            "fanout" => await FanOutAsync(store, Int("count", 10_000), Int("runs", 5)),
            "backlog" => await BacklogAsync(store, Int("count", 1_000_000), Int("concurrency", 64), Int("slice", 100_000)),
            _ => 2,
        };
    }

    private static async Task<int> EnqueueAsync(string store, int count, int parallel)
    {
        await BenchmarkStores.ResetAsync(store);
        using var host = BuildHost(store, dispatcher: false, concurrency: 1);
        await host.StartAsync();
        await CreateDestinationAsync(host, "http://127.0.0.1:9/enqueue");
        var publisher = host.Services.GetRequiredService<IWebhookPublisher>();
        await publisher.PublishAsync(Event("warm", 0));
        var next = -1;
        var stopwatch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, parallel).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                await publisher.PublishAsync(Event("enq", i));
            }
        })));
        var elapsed = stopwatch.Elapsed;
        Console.WriteLine(Invariant($"enqueue: {count} events ({count} deliveries) by {parallel} publishers in {elapsed.TotalMilliseconds:F0} ms: {count / elapsed.TotalSeconds:F0} events/s"));
        await host.StopAsync();
        return 0;
    }

    private static async Task<int> FanOutAsync(string store, int count, int runs)
    {
        await BenchmarkStores.ResetAsync(store);
        using var host = BuildHost(store, dispatcher: false, concurrency: 1, maxDestinations: count + 1);
        await host.StartAsync();
        var stopwatch = Stopwatch.StartNew();
        var template = await CreateDestinationAsync(host, "http://127.0.0.1:9/fan");
        var storeService = host.Services.GetRequiredService<IWebhookStore>();
        var record = (await storeService.GetDestinationAsync(WebhookTenant.Default, template.Id, CancellationToken.None))!;
        for (var i = 1; i < count; i++)
        {
            await storeService.InsertDestinationAsync(record with { Id = record.Id + "-" + i.ToString(CultureInfo.InvariantCulture) }, int.MaxValue, CancellationToken.None);
        }

        Console.WriteLine(Invariant($"  created {count} destinations in {stopwatch.ElapsedMilliseconds} ms"));
        var publisher = host.Services.GetRequiredService<IWebhookPublisher>();
        var times = new List<double>();
        var (kind, path) = BenchmarkStores.Split(store);
        var sqlite = kind is "sqlite" or "sqlite-normal" && path is not null;
        Dictionary<string, TableState>? rowsBefore = null;
        List<FloorTable>? floorRows = null;
        for (var run = 0; run <= runs; run++)
        {
            if (sqlite && run == 1)
            {
                rowsBefore = SqliteFloor.Snapshot(path!);
            }

            stopwatch.Restart();
            var result = await publisher.PublishAsync(Event("fan", run));
            var ms = stopwatch.Elapsed.TotalMilliseconds;
            if (result.Deliveries.Count != count)
            {
                Console.WriteLine($"warning: {result.Deliveries.Count} deliveries, expected {count}");
            }

            Console.WriteLine(Invariant($"  publish {run}{(run == 0 ? " (warm-up)" : string.Empty)}: {ms:F1} ms"));
            if (run > 0)
            {
                times.Add(ms);
            }

            if (sqlite && run == 1)
            {
                floorRows = SqliteFloor.RowsAfter(path!, rowsBefore!);
            }
        }

        times.Sort();
        Console.WriteLine(Invariant($"fanout: one event to {count} destinations: median {times[times.Count / 2]:F1} ms, best {times[0]:F1} ms, worst {times[^1]:F1} ms"));

        // The store's share: reading the destinations and enqueueing the deliveries, without routing and mapping.
        var readTimes = new List<double>();
        var enqueueTimes = new List<double>();
        for (var run = 0; run < runs; run++)
        {
            stopwatch.Restart();
            var destinations = await storeService.GetEnabledDestinationsAsync(WebhookTenant.Default, CancellationToken.None);
            readTimes.Add(stopwatch.Elapsed.TotalMilliseconds);
            var now = DateTimeOffset.UtcNow;
            var evt = new StoredEvent { TenantId = WebhookTenant.Default, Id = Invariant($"evt_store{run}_{Environment.ProcessId}"), Type = "bench.stored", OccurredAt = now, Json = "{}"u8.ToArray() };
            var deliveries = destinations.Select((d, i) => new DeliveryRecord
            {
                TenantId = WebhookTenant.Default,
                Id = Invariant($"dlv_s{run}_{i}_{Environment.ProcessId}"),
                EventId = evt.Id,
                EventType = evt.Type,
                DestinationId = d.Id,
                Status = WebhookDeliveryStatus.Pending,
                MaxAttempts = 1,
                CreatedAt = now,
                DueAt = now,
            }).ToArray();
            stopwatch.Restart();
            await storeService.EnqueueAsync(new EnqueueBatch { Event = evt, Deliveries = deliveries }, CancellationToken.None);
            enqueueTimes.Add(stopwatch.Elapsed.TotalMilliseconds);
        }

        readTimes.Sort();
        enqueueTimes.Sort();
        Console.WriteLine(Invariant($"  store only: read {count} destinations median {readTimes[readTimes.Count / 2]:F1} ms; enqueue {count} deliveries in one transaction median {enqueueTimes[enqueueTimes.Count / 2]:F1} ms"));
        await host.StopAsync();
        if (sqlite && floorRows is not null)
        {
            // The physical floor: the rows one publish wrote, inserted by plain Microsoft.Data.Sqlite into a copy of the
            // same schema and data (as it was before that publish), one prepared statement per table, one transaction.
            var floorTimes = new List<double>();
            for (var run = 0; run < runs; run++)
            {
                var ms = SqliteFloor.Insert(path!, path + ".floor", rowsBefore!, floorRows, synchronousFull: kind == "sqlite");
                Console.WriteLine(Invariant($"  floor {run + 1}: {ms:F1} ms"));
                floorTimes.Add(ms);
            }

            var library = ThroughputCommand.Median(times);
            var floor = ThroughputCommand.Median(floorTimes);
            Console.WriteLine(Invariant($"  floor rows: {string.Join(", ", floorRows.Select(t => $"{t.Rows.Count} in {t.Table}"))}"));
            Console.WriteLine(Invariant($"fanout {count}: library {library:F1} ms, floor {floor:F1} ms, ratio floor/library {floor / library:F2}"));
        }

        return 0;
    }

    private static async Task<int> BacklogAsync(string store, int count, int concurrency, int sliceSize)
    {
        await BenchmarkStores.ResetAsync(store);
        await using var receiver = await ChildReceiver.StartAsync();
        var url = receiver.Url.ToString();
        var stopwatch = Stopwatch.StartNew();
        using (var filler = BuildHost(store, dispatcher: false, concurrency: 1))
        {
            await filler.StartAsync();
            var destination = await CreateDestinationAsync(filler, url);
            var storeService = filler.Services.GetRequiredService<IWebhookStore>();
            const int perEvent = 1000;
            var now = DateTimeOffset.UtcNow;
            for (var e = 0; e * perEvent < count; e++)
            {
                var evt = Event("backlog", e) with { OccurredAt = now };
                var stored = new StoredEvent { TenantId = WebhookTenant.Default, Id = evt.Id!, Type = evt.Type, OccurredAt = now, Json = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(evt) };
                var n = Math.Min(perEvent, count - (e * perEvent));
                var deliveries = new DeliveryRecord[n];
                for (var i = 0; i < n; i++)
                {
                    deliveries[i] = new DeliveryRecord
                    {
                        TenantId = WebhookTenant.Default,
                        Id = Invariant($"dlv_{e:D5}_{i:D4}"),
                        EventId = stored.Id,
                        EventType = stored.Type,
                        DestinationId = destination.Id,
                        Status = WebhookDeliveryStatus.Pending,
                        MaxAttempts = 1,
                        CreatedAt = now,
                        DueAt = now,
                    };
                }

                await storeService.EnqueueAsync(new EnqueueBatch { Event = stored, Deliveries = deliveries }, CancellationToken.None);
            }

            Console.WriteLine(Invariant($"  filled {count} pending deliveries in {stopwatch.ElapsedMilliseconds} ms"));
            await filler.StopAsync();
        }

        GC.Collect();
        using var host = BuildHost(store, dispatcher: true, concurrency: concurrency);
        var slice = count >= 10 * sliceSize ? sliceSize : Math.Max(1, count / 10);
        var before = (await receiver.GetStatsAsync()).Requests;
        var started = Stopwatch.StartNew();
        await host.StartAsync();

        // Slices are timed from the end of start-up, so that it does not slow the first slice down.
        var startup = started.Elapsed;
        stopwatch.Restart();
        var offset = (await receiver.GetStatsAsync()).Requests - before;
        Console.WriteLine(Invariant($"  host started in {startup.TotalMilliseconds:F0} ms ({offset} delivered by then); slices count from there"));
        var sliceStart = TimeSpan.Zero;
        var reported = 0;
        var rates = new List<double>();
        var lastProgress = Stopwatch.StartNew();
        var lastCount = 0L;
        var drainStore = host.Services.GetRequiredService<IWebhookStore>();
        var checkedAt = Stopwatch.StartNew();
        long done;
        while ((done = (await receiver.GetStatsAsync()).Requests - before) < count)
        {
            await Task.Delay(50);
            if (checkedAt.ElapsedMilliseconds > 1000)
            {
                checkedAt.Restart();
                if (await drainStore.GetNextDueTimeAsync(CancellationToken.None) is null)
                {
                    Console.WriteLine($"  the store has nothing pending; the receiver counted {done} of {count}");
                    break;
                }
            }

            if (done != lastCount)
            {
                lastCount = done;
                lastProgress.Restart();
            }
            else if (lastProgress.Elapsed > TimeSpan.FromSeconds(60))
            {
                Console.WriteLine($"warning: stuck at {done} of {count}");
                return 1;
            }

            while (done - offset >= (long)(reported + 1) * slice && offset + ((long)(reported + 1) * slice) <= count)
            {
                reported++;
                var now = stopwatch.Elapsed;
                rates.Add(slice / (now - sliceStart).TotalSeconds);
                Console.WriteLine(Invariant($"  slice {reported,3} ({offset + ((long)(reported - 1) * slice)}–{offset + ((long)reported * slice)}) at {now.TotalSeconds,7:F1} s: {rates[^1],8:F0}/s, {(now - sliceStart).TotalMilliseconds * 1000 / slice:F1} µs per delivery; VmHWM {ProcStat.PeakResidentBytes() / 1048576} MB"));
                sliceStart = now;
            }
        }

        var total = stopwatch.Elapsed;
        if (done - offset - ((long)reported * slice) >= slice / 2)
        {
            // The last, partial slice (the deliveries made during start-up shorten it).
            var n = done - offset - ((long)reported * slice);
            rates.Add(n / (total - sliceStart).TotalSeconds);
            Console.WriteLine(Invariant($"  slice {reported + 1,3} ({offset + ((long)reported * slice)}–{done}, partial) at {total.TotalSeconds,7:F1} s: {rates[^1],8:F0}/s"));
        }

        await host.StopAsync();
        var peak = ProcStat.PeakResidentBytes();
        var lastToFirst = rates.Count > 1 ? rates[^1] / rates[0] : double.NaN;
        Console.WriteLine(Invariant($"backlog {count}: drained in {(startup + total).TotalSeconds:F1} s with start-up ({(count - offset) / total.TotalSeconds:F0}/s after it); slices of {slice}: first {(rates.Count > 0 ? rates[0] : double.NaN):F0}/s, last {(rates.Count > 0 ? rates[^1] : double.NaN):F0}/s, last/first {lastToFirst:F2}, slowest {(rates.Count > 0 ? rates.Min() : double.NaN):F0}/s, median {ThroughputCommand.Median(rates):F0}/s; peak RSS (VmHWM) {peak / 1048576} MB (this process; the receiver runs in a child process)"));
        return 0;
    }

    private static IHost BuildHost(string store, bool dispatcher, int concurrency, int maxDestinations = 100)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.SetMinimumLevel(LogLevel.Error);
        builder.Logging.AddSimpleConsole();
        var webhooks = builder.Services.AddWebhooks(o =>
        {
            o.Safety.DangerouslyAllowLoopbackForDevelopment();
            o.Dispatcher.Enabled = dispatcher;
            o.Dispatcher.MaxConcurrency = concurrency;
            o.Dispatcher.MaxConcurrencyPerDestination = concurrency;
            o.MaxDestinationsPerTenant = maxDestinations;
        });
        BenchmarkStores.Use(webhooks, store);
        return builder.Build();
    }

    private static Task<WebhookDestination> CreateDestinationAsync(IHost host, string url)
        => host.Services.GetRequiredService<IWebhookDestinationManager>().CreateAsync(new WebhookDestinationDefinition { Name = "bench", Url = url });

    private static WebhookEvent Event(string prefix, int i)
        => WebhookEvent.Create("bench.stored", new { index = i, scan = "nightly", findings = i % 7 }) with { Id = Invariant($"evt_{prefix}{i:D7}_{Environment.ProcessId}") };

    private static string Invariant(FormattableString s) => FormattableString.Invariant(s);
}
