using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Webhooks.Sdk.Auth;
using Webhooks.Sdk.Destinations;
using Webhooks.Sdk.Storage;
using Webhooks.Sdk.Testing;
using Webhooks.Sdk.Tests.Support;

namespace Webhooks.Sdk.Tests.Engine;

/// <summary>Helpers shared by the engine tests.</summary>
internal static class EngineTestKit
{
    public static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public static WebhookEvent Event(string? correlationKey = null, object? data = null)
        => WebhookEvent.Create("scan.completed", data ?? new { findings = 3 }) with { CorrelationKey = correlationKey };

    /// <summary>
    /// Waits (real time, bounded) for the delivery to become final, moving the fake clock to each retry's due time as
    /// soon as the delivery waits for one. A delivery stuck under its lease never gets a due time in the future, so it
    /// times out here.
    /// </summary>
    public static async Task<WebhookDelivery> DriveUntilFinalAsync(this WebhookTestHost host, FakeTimeProvider time, string deliveryId, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (true)
        {
            var delivery = await host.DeliveryLog.GetAsync(deliveryId);
            if (delivery.Status != WebhookDeliveryStatus.Pending)
            {
                return delivery;
            }

            if (delivery.NextAttemptAt is { } due && due > time.GetUtcNow())
            {
                time.Advance(due - time.GetUtcNow());
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Delivery {deliveryId} is still pending after {delivery.AttemptCount} attempt(s): {delivery.LastError}");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Stores a destination record as-is (bypassing validation), as an older version or another instance may have written it.</summary>
    public static async Task<string> InsertRawAsync(this WebhookTestHost host, string name, string url, string? protectedAuth, bool ordered = false, int retryCount = 0)
    {
        var store = host.Services.GetRequiredService<IWebhookStore>();
        var config = DestinationConfig.From(new WebhookDestinationDefinition { Name = name, Url = url, RetryCount = retryCount, OrderedDelivery = ordered });
        var id = "raw_" + name;
        var now = host.Services.GetRequiredService<TimeProvider>().GetUtcNow();
        await store.InsertDestinationAsync(
            new DestinationRecord
            {
                TenantId = WebhookTenant.Default,
                Id = id,
                Name = name,
                Enabled = true,
                ConfigJson = config.ToJson(),
                ProtectedAuth = protectedAuth,
                CreatedAt = now,
                UpdatedAt = now,
            },
            maxPerTenant: 1000,
            CancellationToken.None);
        return id;
    }

    /// <summary>Auth protected with a key this host does not have (a key change).</summary>
    public static string ProtectWithAnotherKey(WebhookAuth auth)
    {
        var options = Options.Create(new WebhooksOptions { Secrets = new WebhookSecretOptions { Key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) } });
        var other = new AesGcmSecretProtector(options, new InMemoryWebhookStore());
        return other.Protect(JsonSerializer.Serialize(auth, DestinationConfig.JsonOptions));
    }

    /// <summary>A real HTTP receiver on 127.0.0.1 that keeps only arrival times (a few bytes a request), for long runs.</summary>
    public sealed class CountingReceiver : IAsyncDisposable
    {
        private readonly Microsoft.AspNetCore.Builder.WebApplication _app;
        private readonly ConcurrentQueue<long> _arrivals = new();
        private int _inFlight;
        private int _maxInFlight;

        private CountingReceiver(Microsoft.AspNetCore.Builder.WebApplication app) => _app = app;

        /// <summary>Gets or sets how long each answer is held back.</summary>
        public TimeSpan Delay { get; set; }

        public int Count => _arrivals.Count;

        public int MaxInFlight => Volatile.Read(ref _maxInFlight);

        /// <summary>Gets the arrival times (Stopwatch timestamps).</summary>
        public long[] Arrivals => _arrivals.ToArray();

        public Uri BaseUrl { get; private set; } = null!;

        public static async Task<CountingReceiver> StartAsync()
        {
            var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var receiver = new CountingReceiver(app);
            ((Microsoft.AspNetCore.Builder.IApplicationBuilder)app).Run(async context =>
            {
                receiver._arrivals.Enqueue(System.Diagnostics.Stopwatch.GetTimestamp());
                var now = Interlocked.Increment(ref receiver._inFlight);
                int seen;
                while (now > (seen = Volatile.Read(ref receiver._maxInFlight)) && Interlocked.CompareExchange(ref receiver._maxInFlight, now, seen) != seen)
                {
                }

                try
                {
                    if (receiver.Delay > TimeSpan.Zero)
                    {
                        await Task.Delay(receiver.Delay);
                    }

                    context.Response.StatusCode = 200;
                }
                finally
                {
                    Interlocked.Decrement(ref receiver._inFlight);
                }
            });
            await app.StartAsync();
            var address = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
                .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.First();
            receiver.BaseUrl = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal) + "/");
            return receiver;
        }

        public Uri Url(string path = "/hook") => new(BaseUrl, path.TrimStart('/'));

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }

    public sealed class RecordingObserver : IWebhookObserver
    {
        public ConcurrentQueue<(string Tenant, string Id, string Reason)> Unreadable { get; } = new();

        public ConcurrentQueue<WebhookDelivery> Failed { get; } = new();

        public ValueTask OnDeliveryFailedAsync(WebhookDelivery delivery, CancellationToken cancellationToken)
        {
            Failed.Enqueue(delivery);
            return ValueTask.CompletedTask;
        }

        public ValueTask OnDestinationUnreadableAsync(string tenantId, string destinationId, string reason, CancellationToken cancellationToken)
        {
            Unreadable.Enqueue((tenantId, destinationId, reason));
            return ValueTask.CompletedTask;
        }
    }
}
