using System.Collections.Concurrent;

namespace Webhooks.Sdk.Delivery;

/// <summary>Per-destination token buckets (events per second with a burst), shared by every dispatcher worker in the process.</summary>
internal sealed class DestinationRateLimiter
{
    private readonly ConcurrentDictionary<(string Tenant, string Id), Bucket> _buckets = new();

    /// <summary>Takes a token when one is available within <paramref name="maxWait"/>; returns the wait (zero when available now), or <see langword="null"/> and the time one will be available.</summary>
    public TimeSpan? TryAcquire(string tenantId, string destinationId, WebhookRateLimit limit, DateTimeOffset now, TimeSpan maxWait, out DateTimeOffset availableAt)
    {
        var bucket = _buckets.AddOrUpdate(
            (tenantId, destinationId),
            _ => new Bucket(limit, now),
            (_, existing) => existing.Limit == limit ? existing : new Bucket(limit, now));
        lock (bucket)
        {
            bucket.Refill(now);
            var deficit = 1 - bucket.Tokens;
            var wait = deficit <= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(deficit / limit.PerSecond);
            availableAt = now + wait;
            if (wait > maxWait)
            {
                return null;
            }

            bucket.Tokens -= 1;
            return wait;
        }
    }

    private sealed class Bucket(WebhookRateLimit limit, DateTimeOffset now)
    {
        public WebhookRateLimit Limit { get; } = limit;

        public double Tokens { get; set; } = limit.Burst;

        private DateTimeOffset _last = now;

        public void Refill(DateTimeOffset now)
        {
            var elapsed = (now - _last).TotalSeconds;
            if (elapsed > 0)
            {
                Tokens = Math.Min(Limit.Burst, Tokens + (elapsed * Limit.PerSecond));
                _last = now;
            }
        }
    }
}
