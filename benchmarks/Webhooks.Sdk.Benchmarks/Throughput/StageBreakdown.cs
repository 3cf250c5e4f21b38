using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Webhooks.Sdk.Benchmarks.Harness;
using Webhooks.Sdk.Delivery;
using Webhooks.Sdk.Destinations;
using Webhooks.Sdk.Storage;

namespace Webhooks.Sdk.Benchmarks.Throughput;

/// <summary>
/// <c>--breakdown</c>: times the stages of the library path on their own, so a low ratio can be traced to a stage:
/// publishing alone (router + store enqueue, no dispatcher running, on the run's store), dispatching that backlog alone
/// (lease, process, send, complete), and the sender alone (render, headers, Polly pipeline, client factory and the
/// HTTP exchange, at the same concurrency, without store or dispatcher).
/// </summary>
internal static class StageBreakdown
{
    /// <summary>
    /// Publishes every event from <paramref name="concurrency"/> callers with no dispatcher running (the publish
    /// stage), then starts a second host on the same store whose dispatcher drains the backlog (the dispatch stage:
    /// lease, process, send, complete, until nothing is pending).
    /// </summary>
    public static async Task<(double Publish, double Dispatch)> PublishThenDispatchAsync(string store, Uri url, WebhookEvent[] events, int concurrency, AttemptCounter attempts)
    {
        await BenchmarkStores.ResetAsync(store);
        var shared = store == BenchmarkStores.Default ? new InMemoryWebhookStore() : null;
        using var publishing = BuildHost(store, shared, o => o.Dispatcher.Enabled = false);
        await publishing.StartAsync();
        double publishRate;
        try
        {
            await publishing.Services.GetRequiredService<IWebhookDestinationManager>().CreateAsync(new WebhookDestinationDefinition { Name = "stages", Url = url.ToString() });
            var publisher = publishing.Services.GetRequiredService<IWebhookPublisher>();
            var next = -1;
            var stopwatch = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < events.Length)
                {
                    await publisher.PublishAsync(events[i] with { Id = events[i].Id + "s" });
                }
            })));

            publishRate = events.Length / stopwatch.Elapsed.TotalSeconds;
        }
        finally
        {
            await publishing.StopAsync();
        }

        var target = attempts.Total + events.Length;
        using var dispatching = BuildHost(store, shared, o =>
        {
            o.Dispatcher.MaxConcurrency = concurrency;
            o.Dispatcher.MaxConcurrencyPerDestination = concurrency;
        });
        var timer = Stopwatch.StartNew();
        await dispatching.StartAsync();
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(10));
            await attempts.WaitForAsync(target, cts.Token);
            var queue = dispatching.Services.GetRequiredService<IDeliveryQueueStore>();
            while (await queue.GetNextDueTimeAsync(cts.Token) is { } due && due <= DateTimeOffset.UtcNow.AddSeconds(20))
            {
                await Task.Delay(1, cts.Token);
            }

            return (publishRate, events.Length / timer.Elapsed.TotalSeconds);
        }
        finally
        {
            await dispatching.StopAsync();
        }
    }

    private static IHost BuildHost(string store, InMemoryWebhookStore? shared, Action<WebhooksOptions> configure)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("Webhooks.Sdk.DependencyInjection.WebhooksStartup", LogLevel.Error);
        var webhooks = builder.Services.AddWebhooks(o =>
        {
            o.Safety.DangerouslyAllowLoopbackForDevelopment();
            configure(o);
        });
        if (shared is not null)
        {
            webhooks.UseStore(_ => shared);
        }
        else
        {
            BenchmarkStores.Use(webhooks, store);
        }

        return builder.Build();
    }

    public static async Task<double> SenderOnlyAsync(IServiceProvider services, string destinationId, WebhookEvent[] warmup, WebhookEvent[] events, int concurrency)
    {
        var record = await services.GetRequiredService<IWebhookStore>().GetDestinationAsync(WebhookTenant.Default, destinationId, CancellationToken.None)
            ?? throw new InvalidOperationException("The benchmark destination is gone.");
        var destination = services.GetRequiredService<DestinationMapper>().ToRuntime(record);
        var sender = services.GetRequiredService<DeliverySender>();
        await RunAsync(sender, destination, Prepare(warmup), concurrency);
        var cached = Prepare(events);
        var stopwatch = Stopwatch.StartNew();
        await RunAsync(sender, destination, cached, concurrency);
        return events.Length / stopwatch.Elapsed.TotalSeconds;
    }

    private static CachedEvent[] Prepare(WebhookEvent[] events)
        => events.Select(e => new CachedEvent(e, Formatting.EnvelopeSerializer.Serialize(e))).ToArray();

    private static async Task RunAsync(DeliverySender sender, DestinationRuntime destination, CachedEvent[] events, int concurrency)
    {
        var next = -1;
        var workers = new Task[concurrency];
        for (var w = 0; w < workers.Length; w++)
        {
            workers[w] = Task.Run(async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < events.Length)
                {
                    var outcome = await sender.SendAsync(destination, events[i], 1, correlationId: null, useBreaker: true, CancellationToken.None);
                    if (!outcome.Result.Success)
                    {
                        throw new InvalidOperationException("A sender-only attempt failed: " + outcome.Result.Error);
                    }
                }
            });
        }

        await Task.WhenAll(workers);
    }
}
