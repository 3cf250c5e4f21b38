using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Webhooks.Sdk.Delivery;
using Webhooks.Sdk.Formatting;

namespace Webhooks.Sdk.Benchmarks.Throughput;

/// <summary>
/// <c>throughput [--count N] [--concurrency C] [--store memory] [--receiver lean|recording] [--warmup W] [--breakdown]</c>:
/// N deliveries through the whole library (publish → store → dispatcher → receiver on loopback), then the same bodies
/// with raw <see cref="HttpClient"/> at the same concurrency to the same receiver. Both sides are warmed up first.
/// The last line printed is <c>throughput ratio library/raw: R (library X/s, raw Y/s)</c>.
/// </summary>
internal static class ThroughputCommand
{
    private const string EventType = "bench.delivered";

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
            Console.Error.WriteLine($"usage: throughput [--count N] [--concurrency C] [--store {BenchmarkStores.Known}] [--receiver lean|recording] [--warmup W] [--breakdown]");
            return 2;
        }

        await using IBenchmarkReceiver receiver = settings.Receiver == "recording" ? await RecordingReceiver.StartAsync() : await LeanReceiver.StartAsync();
        Console.WriteLine($"count={settings.Count} concurrency={settings.Concurrency} publishers={settings.Publishers} store={settings.Store} receiver={settings.Receiver} warmup={settings.Warmup} cores={Environment.ProcessorCount}");

        using var host = BuildHost(settings);
        await host.StartAsync();
        var counter = new AttemptCounter();
        try
        {
            var publisher = host.Services.GetRequiredService<IWebhookPublisher>();
            var destination = await host.Services.GetRequiredService<IWebhookDestinationManager>().CreateAsync(new WebhookDestinationDefinition
            {
                Name = "throughput",
                Url = receiver.Url.ToString(),
                Subscriptions = [EventType],
            });

            var warmupEvents = MakeEvents(settings.Warmup, "w");
            var events = MakeEvents(settings.Count, "m");
            var bodies = events.Select(EnvelopeSerializer.Serialize).ToArray();
            var warmupBodies = warmupEvents.Select(EnvelopeSerializer.Serialize).ToArray();

            using var raw = new RawSender(receiver.Url, settings.Concurrency);

            // Warm up both sides (JIT, connection pools, Kestrel), then measure each once.
            await RunLibraryAsync(publisher, counter, warmupEvents, settings.Publishers);
            await raw.RunAsync(warmupEvents, warmupBodies);

            var received = receiver.Requests;
            var connections = receiver.Connections;
            var allocated = GC.GetTotalAllocatedBytes(precise: true);
            var library = await RunLibraryAsync(publisher, counter, events, settings.Publishers);
            var libraryAllocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
            var libraryReceived = receiver.Requests - received;
            var libraryConnections = receiver.Connections - connections;
            var failures = counter.Failures;

            received = receiver.Requests;
            connections = receiver.Connections;
            allocated = GC.GetTotalAllocatedBytes(precise: true);
            var rawElapsed = await raw.RunAsync(events, bodies);
            var rawAllocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
            var rawReceived = receiver.Requests - received;
            var rawConnections = receiver.Connections - connections;

            var log = host.Services.GetRequiredService<IWebhookDeliveryLog>();
            var recent = await log.ListAsync(destination.Id, limit: Math.Min(settings.Count, 1000));
            var notSucceeded = recent.Count(d => d.Status != WebhookDeliveryStatus.Succeeded);

            var libraryRate = settings.Count / library.TotalSeconds;
            var rawRate = settings.Count / rawElapsed.TotalSeconds;
            Console.WriteLine($"library: {settings.Count} deliveries in {library.TotalMilliseconds:F0} ms, receiver got {libraryReceived}, failed attempts {failures}, not succeeded among the last {recent.Count}: {notSucceeded}, {libraryAllocated / settings.Count} B allocated per delivery (receiver included), {libraryConnections} new connections");
            Console.WriteLine($"raw:     {settings.Count} requests in {rawElapsed.TotalMilliseconds:F0} ms, receiver got {rawReceived}, failed {raw.Failures}, {rawAllocated / settings.Count} B allocated per request (receiver included), {rawConnections} new connections");
            if (libraryReceived < settings.Count || failures > 0 || notSucceeded > 0 || raw.Failures > 0)
            {
                Console.WriteLine("warning: not every request succeeded; the figures below are not comparable.");
            }

            if (settings.Breakdown)
            {
                var senderOnly = await StageBreakdown.SenderOnlyAsync(host.Services, destination.Id, warmupEvents, events, settings.Concurrency);
                var (publishOnly, dispatchOnly) = await StageBreakdown.PublishThenDispatchAsync(receiver.Url, events, settings.Concurrency, () => counter.Total);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"stage publish only (router + in-memory store, no dispatcher): {publishOnly:F0}/s, {1e6 / publishOnly:F1} µs per event"));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"stage dispatch only (backlog drained: lease, process, send, complete): {dispatchOnly:F0}/s, {dispatchOnly / rawRate:F2} of raw"));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"stage sender only (render, headers, Polly, client factory, HTTP; no store, no dispatcher): {senderOnly:F0}/s, {senderOnly / rawRate:F2} of raw"));
            }

            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"throughput ratio library/raw: {libraryRate / rawRate:F2} (library {libraryRate:F0}/s, raw {rawRate:F0}/s)"));
            return 0;
        }
        finally
        {
            counter.Dispose();
            await host.StopAsync();
        }
    }

    private static IHost BuildHost(Settings settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var webhooks = builder.Services.AddWebhooks(o =>
        {
            o.Safety.DangerouslyAllowLoopbackForDevelopment();
            o.Dispatcher.MaxConcurrency = settings.Concurrency;
            o.Dispatcher.MaxConcurrencyPerDestination = settings.Concurrency;
            o.Retention.HistoryRetention = TimeSpan.FromDays(1);
        });
        BenchmarkStores.Use(webhooks, settings.Store);
        return builder.Build();
    }

    private static WebhookEvent[] MakeEvents(int count, string prefix)
    {
        var now = DateTimeOffset.UtcNow;
        var events = new WebhookEvent[count];
        for (var i = 0; i < count; i++)
        {
            events[i] = WebhookEvent.Create(EventType, new { index = i, scan = "nightly", findings = i % 7, host = "build-agent-" + (i % 5) }) with
            {
                Id = $"evt_{prefix}{i:D7}",
                OccurredAt = now,
                Title = "Scan finished",
                Source = "benchmark",
            };
        }

        return events;
    }

    /// <summary>Publishes every event and returns once every attempt has been made (counted through the library's meter).</summary>
    private static async Task<TimeSpan> RunLibraryAsync(IWebhookPublisher publisher, AttemptCounter counter, WebhookEvent[] events, int publisherCount)
    {
        var target = counter.Total + events.Length;
        var stopwatch = Stopwatch.StartNew();

        // The application publishes from as many concurrent callers (request handlers) as the raw side has senders.
        var next = -1;
        var publishers = new Task[Math.Min(publisherCount, events.Length)];
        for (var p = 0; p < publishers.Length; p++)
        {
            publishers[p] = Task.Run(async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < events.Length)
                {
                    await publisher.PublishAsync(events[i]);
                }
            });
        }

        await Task.WhenAll(publishers);

        Console.WriteLine($"  published {events.Length} events in {stopwatch.ElapsedMilliseconds} ms ({counter.Total - (target - events.Length)} attempts made by then)");

        await counter.WaitForAsync(target, TimeSpan.FromMinutes(5));
        return stopwatch.Elapsed;
    }

    /// <summary>Counts attempts through the <c>messaging.client.sent.messages</c> counter of the library's meter.</summary>
    private sealed class AttemptCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly SemaphoreSlim _changed = new(0);
        private long _total;
        private long _failures;

        public AttemptCounter()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == Webhooks.Sdk.Diagnostics.WebhookTelemetry.Name && instrument.Name == "messaging.client.sent.messages")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag.Key == "webhooks.attempt.outcome" && tag.Value is not "success")
                    {
                        Interlocked.Add(ref _failures, value);
                    }
                }

                Interlocked.Add(ref _total, value);
                _changed.Release();
            });
            _listener.Start();
        }

        public long Total => Interlocked.Read(ref _total);

        public long Failures => Interlocked.Read(ref _failures);

        public async Task WaitForAsync(long target, TimeSpan timeout)
        {
            using var cts = new CancellationTokenSource(timeout);
            while (Total < target)
            {
                await _changed.WaitAsync(TimeSpan.FromMilliseconds(50), cts.Token);
            }
        }

        public void Dispose()
        {
            _listener.Dispose();
            _changed.Dispose();
        }
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

    private sealed record Settings(int Count, int Concurrency, string Store, string Receiver, int Warmup, bool Breakdown, int Publishers)
    {
        public static Settings Parse(string[] args)
        {
            var count = 5000;
            var concurrency = 32;
            var store = BenchmarkStores.Default;
            var receiver = "lean";
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
                    case "--receiver":
                        receiver = value is "lean" or "recording" ? value : throw new ArgumentException("--receiver is lean or recording.");
                        break;
                    default: throw new ArgumentException($"Unknown option {args[i]}.");
                }

                i++;
            }

            return new Settings(count, concurrency, store, receiver, warmup ?? Math.Clamp(count / 5, 100, 2000), breakdown, publishers ?? concurrency);
        }

        private static int Positive(string name, string value)
            => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : throw new ArgumentException($"{name} must be a positive integer.");
    }
}
