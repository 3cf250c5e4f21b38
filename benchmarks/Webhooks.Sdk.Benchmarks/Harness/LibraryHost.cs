using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Webhooks.Sdk.Benchmarks.Throughput;
using Webhooks.Sdk.Storage;

namespace Webhooks.Sdk.Benchmarks.Harness;

/// <summary>
/// One library host for a benchmark side: <c>AddWebhooks()</c> with the loopback development opt-in, the chosen store
/// and one destination subscribed to <see cref="EventType"/> at the receiver's URL.
/// </summary>
internal sealed class LibraryHost : IAsyncDisposable
{
    public const string EventType = "bench.delivered";

    private LibraryHost(IHost host, string destinationId)
    {
        Host = host;
        DestinationId = destinationId;
        Publisher = host.Services.GetRequiredService<IWebhookPublisher>();
        Queue = host.Services.GetRequiredService<IDeliveryQueueStore>();
    }

    public IHost Host { get; }

    public string DestinationId { get; }

    public IWebhookPublisher Publisher { get; }

    public IDeliveryQueueStore Queue { get; }

    /// <summary>Empties the store (see <see cref="BenchmarkStores.ResetAsync"/>), starts a host and creates the destination.</summary>
    public static async Task<LibraryHost> StartAsync(string store, Uri receiver, int concurrency, Action<WebhooksOptions>? configure = null)
    {
        await BenchmarkStores.ResetAsync(store);
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("Webhooks.Sdk.DependencyInjection.WebhooksStartup", LogLevel.Error); // the loopback opt-in warning
        builder.Logging.AddSimpleConsole();
        var webhooks = builder.Services.AddWebhooks(o =>
        {
            o.Safety.DangerouslyAllowLoopbackForDevelopment();
            o.Dispatcher.MaxConcurrency = concurrency;
            o.Dispatcher.MaxConcurrencyPerDestination = concurrency;
            o.Retention.HistoryRetention = TimeSpan.FromDays(1);
            configure?.Invoke(o);
        });
        BenchmarkStores.Use(webhooks, store);
        var host = builder.Build();
        await host.StartAsync();
        var destination = await host.Services.GetRequiredService<IWebhookDestinationManager>().CreateAsync(new WebhookDestinationDefinition
        {
            Name = "bench",
            Url = new Uri(receiver, "hook").ToString(),
            Subscriptions = [EventType],
        });
        return new LibraryHost(host, destination.Id);
    }

    /// <summary>Makes <paramref name="count"/> events with ids <c>evt_PREFIX0000000</c>….</summary>
    public static WebhookEvent[] MakeEvents(int count, string prefix)
    {
        var now = DateTimeOffset.UtcNow;
        var events = new WebhookEvent[count];
        for (var i = 0; i < count; i++)
        {
            events[i] = MakeEvent(prefix, i, now);
        }

        return events;
    }

    public static WebhookEvent MakeEvent(string prefix, int i, DateTimeOffset now)
        => WebhookEvent.Create(EventType, new { index = i, scan = "nightly", findings = i % 7, host = "build-agent-" + (i % 5) }) with
        {
            Id = FormattableString.Invariant($"{prefix}{i:D7}"),
            OccurredAt = now,
            Title = "Scan finished",
            Source = "benchmark",
        };

    /// <summary>
    /// Publishes every event from <paramref name="publishers"/> concurrent callers and returns the time from the first
    /// publish until the last outcome is durably recorded (see <see cref="WaitDrainedAsync"/>).
    /// </summary>
    public async Task<TimeSpan> PublishAndDrainAsync(WebhookEvent[] events, int publishers, AttemptCounter counter)
    {
        var target = counter.Total + events.Length;
        var stopwatch = Stopwatch.StartNew();
        var next = -1;
        var tasks = new Task[Math.Min(publishers, events.Length)];
        for (var p = 0; p < tasks.Length; p++)
        {
            tasks[p] = Task.Run(async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < events.Length)
                {
                    await Publisher.PublishAsync(events[i]);
                }
            });
        }

        await Task.WhenAll(tasks);
        var published = stopwatch.Elapsed;
        await WaitDrainedAsync(counter, target, TimeSpan.FromMinutes(10));
        var elapsed = stopwatch.Elapsed;
        Console.WriteLine(FormattableString.Invariant($"    published {events.Length} in {published.TotalMilliseconds:F0} ms, last outcome recorded at {elapsed.TotalMilliseconds:F0} ms"));
        return elapsed;
    }

    /// <summary>
    /// Waits until <paramref name="targetAttempts"/> attempts were made (the library's attempt counter) and then until
    /// the store has nothing pending (<see cref="IDeliveryQueueStore.GetNextDueTimeAsync"/> is <see langword="null"/>,
    /// or, once some attempt failed, only retries due more than 20 s ahead: later than any lease of an attempt in flight
    /// expires, sooner than the first retry): every outcome is then recorded in the store.
    /// </summary>
    public async Task WaitDrainedAsync(AttemptCounter counter, long targetAttempts, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var last = counter.Total;
        var still = Stopwatch.StartNew();
        while (counter.Total < targetAttempts)
        {
            await counter.WaitForAsync(Math.Min(targetAttempts, counter.Total + 1), TimeSpan.FromMilliseconds(500), cts.Token);
            if (counter.Total != last)
            {
                last = counter.Total;
                still.Restart();
            }
            else if (still.Elapsed > TimeSpan.FromSeconds(3) && await NextDueAsync(cts.Token) is null)
            {
                // Nothing pending and no attempt counted for a while: the counter missed some (it is a metric).
                Console.WriteLine($"    warning: the attempt counter stopped at {counter.Total} of {targetAttempts} while the store has nothing pending");
                return;
            }
            else if (still.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException($"No attempt for 60 s at {counter.Total} of {targetAttempts}.");
            }
        }

        while (true)
        {
            var next = await NextDueAsync(cts.Token);
            if (next is null || (counter.Failures > 0 && next > DateTimeOffset.UtcNow.AddSeconds(20)))
            {
                return;
            }

            await Task.Delay(1, cts.Token);
        }
    }

    /// <summary>The store's next due time; a failed read (a database restart, say) is retried, as the library does.</summary>
    private async Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                return await Queue.GetNextDueTimeAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Console.WriteLine($"    warning: reading the store failed ({ex.GetType().Name}: {ex.Message}); retrying");
                await Task.Delay(200, cancellationToken);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Host.StopAsync();
        Host.Dispose();
    }
}

/// <summary>Counts attempts through the <c>messaging.client.sent.messages</c> counter of the library's meter.</summary>
internal sealed class AttemptCounter : IDisposable
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

    public async Task WaitForAsync(long target, CancellationToken cancellationToken)
    {
        while (Total < target)
        {
            await _changed.WaitAsync(TimeSpan.FromMilliseconds(20), cancellationToken);
        }
    }

    /// <summary>Waits until <paramref name="target"/> attempts were counted or <paramref name="wait"/> has passed.</summary>
    public async Task WaitForAsync(long target, TimeSpan wait, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        while (Total < target && stopwatch.Elapsed < wait)
        {
            await _changed.WaitAsync(TimeSpan.FromMilliseconds(20), cancellationToken);
        }
    }

    public void Dispose()
    {
        _listener.Dispose();
        _changed.Dispose();
    }
}
