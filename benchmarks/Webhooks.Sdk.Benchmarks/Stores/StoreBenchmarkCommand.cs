using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Webhooks.Sdk.Benchmarks.Throughput;
using Webhooks.Sdk.Storage;

namespace Webhooks.Sdk.Benchmarks.Stores;

/// <summary>
/// Store figures, each against <c>--store</c> (see <see cref="BenchmarkStores"/>; use a new SQLite file or schema):
/// <list type="bullet">
/// <item><c>stores enqueue [--count 10000] [--parallel 16]</c>: publishes N events to one destination, P publishers at
/// once, dispatcher off; prints events/s.</item>
/// <item><c>stores fanout [--count 10000] [--runs 5]</c>: one event to N destinations; prints each publish's time.</item>
/// <item><c>stores backlog [--count 1000000] [--concurrency 64]</c>: fills N pending deliveries with the dispatcher off,
/// then starts it against a loopback receiver and times the drain per 10% slice; prints µs per delivery and the
/// process's peak working set.</item>
/// </list>
/// </summary>
internal static class StoreBenchmarkCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine($"usage: stores enqueue|fanout|backlog --store {BenchmarkStores.Known} [--count N] [--parallel P] [--runs R] [--concurrency C]");
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
            "backlog" => await BacklogAsync(store, Int("count", 1_000_000), Int("concurrency", 64)),
            _ => 2,
        };
    }

    private static async Task<int> EnqueueAsync(string store, int count, int parallel)
    {
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
        for (var run = 0; run <= runs; run++)
        {
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
        return 0;
    }

    private static async Task<int> BacklogAsync(string store, int count, int concurrency)
    {
        await using var receiver = await LeanReceiver.StartAsync();
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
        var slice = Math.Max(1, count / 10);
        var before = receiver.Requests;
        stopwatch.Restart();
        await host.StartAsync();
        var last = TimeSpan.Zero;
        var reported = 0;
        long peak = 0;
        var lastProgress = Stopwatch.StartNew();
        var lastCount = 0L;
        var drainStore = host.Services.GetRequiredService<IWebhookStore>();
        var checkedAt = Stopwatch.StartNew();
        while (receiver.Requests - before < count)
        {
            await Task.Delay(20);
            if (checkedAt.ElapsedMilliseconds > 1000)
            {
                checkedAt.Restart();
                if (await drainStore.GetNextDueTimeAsync(CancellationToken.None) is null)
                {
                    Console.WriteLine($"  the store has nothing pending; the receiver counted {receiver.Requests - before} of {count}");
                    break;
                }
            }

            using (var self = Process.GetCurrentProcess())
            {
                peak = Math.Max(peak, self.WorkingSet64);
            }

            var done = receiver.Requests - before;
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

            while (done >= (long)(reported + 1) * slice && reported < 10)
            {
                reported++;
                var now = stopwatch.Elapsed;
                Console.WriteLine(Invariant($"  {reported * 10,3}% at {now.TotalSeconds,7:F1} s: {(now - last).TotalMilliseconds * 1000 / slice:F1} µs per delivery in this slice, working set {peak / 1048576} MB peak"));
                last = now;
            }
        }

        var total = stopwatch.Elapsed;
        using (var self = Process.GetCurrentProcess())
        {
            Console.WriteLine(Invariant($"backlog: drained {count} deliveries in {total.TotalSeconds:F1} s ({count / total.TotalSeconds:F0}/s, {total.TotalMilliseconds * 1000 / count:F1} µs each); peak working set {Math.Max(peak, self.PeakWorkingSet64) / 1048576} MB (process incl. receiver), sampled {peak / 1048576} MB"));
        }

        await host.StopAsync();
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
