namespace Webhooks.Sdk.Delivery;

/// <summary>
/// A destination's token bucket (deliveries per second with a burst), shared by every worker of the process. When
/// several instances share a store, each takes a share of the rate and of the burst (see <see cref="TryAcquire(DateTimeOffset, TimeSpan, InstanceShare, out DateTimeOffset)"/>).
/// The arithmetic never overflows: waits are capped at <see cref="MaxWait"/>, whatever the stored limit.
/// </summary>
internal sealed class TokenBucket
{
    /// <summary>The longest wait the bucket ever reports (a limit so small that the next token is further away is treated as this).</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromDays(1);

    private readonly object _sync = new();
    private double _tokens;
    private DateTimeOffset _last;

    public TokenBucket(WebhookRateLimit limit, DateTimeOffset now)
    {
        Limit = limit;
        _tokens = Math.Max(1, limit.Burst);
        _last = now;
    }

    public WebhookRateLimit Limit { get; }

    /// <summary>
    /// Takes a token when one is available within <paramref name="maxWait"/>; returns the wait (zero when available
    /// now), or <see langword="null"/> and the time one will be available.
    /// </summary>
    /// <param name="now">The current time.</param>
    /// <param name="maxWait">The longest the caller is ready to wait in process.</param>
    /// <param name="instances">The live instances sharing the destination's rate: this one takes 1/n of the rate and of the burst, and nothing while it waits for the others to count it.</param>
    /// <param name="availableAt">When a token is available.</param>
    /// <returns>The wait, or <see langword="null"/> when it is longer than <paramref name="maxWait"/>.</returns>
    public TimeSpan? TryAcquire(DateTimeOffset now, TimeSpan maxWait, InstanceShare instances, out DateTimeOffset availableAt)
    {
        ArgumentNullException.ThrowIfNull(instances);
        if (instances.HeldUntil is { } held && held > now)
        {
            // Just joined other instances that do not count this one yet: they still take the whole rate.
            availableAt = held;
            return null;
        }

        return TryAcquire(now, maxWait, instances.Count, out availableAt);
    }

    /// <summary>Takes a token from this instance's share of the rate (see the other overload).</summary>
    /// <param name="now">The current time.</param>
    /// <param name="maxWait">The longest the caller is ready to wait in process.</param>
    /// <param name="instances">How many live instances share the destination's rate (1 or more).</param>
    /// <param name="availableAt">When a token is available.</param>
    /// <returns>The wait, or <see langword="null"/> when it is longer than <paramref name="maxWait"/>.</returns>
    public TimeSpan? TryAcquire(DateTimeOffset now, TimeSpan maxWait, int instances, out DateTimeOffset availableAt)
    {
        var share = Math.Max(1, instances);
        var perSecond = Limit.PerSecond / share;
        // Exactly 1/n of the burst, even below one token: n instances together never burst past the limit's burst
        // (a share below one token only makes the first delivery after a quiet time wait for the rest of its token).
        var capacity = (double)Math.Max(1, Limit.Burst) / share;
        if (!(perSecond > 0) || double.IsNaN(perSecond) || double.IsInfinity(perSecond))
        {
            perSecond = double.Epsilon;
        }

        lock (_sync)
        {
            var elapsed = (now - _last).TotalSeconds;
            if (elapsed > 0)
            {
                _tokens = Math.Min(capacity, _tokens + (elapsed * perSecond));
                _last = now;
            }

            _tokens = Math.Min(_tokens, capacity);
            var deficit = 1 - _tokens;
            var seconds = deficit <= 0 ? 0 : deficit / perSecond;
            var wait = seconds >= MaxWait.TotalSeconds || double.IsNaN(seconds) ? MaxWait : TimeSpan.FromSeconds(seconds);
            availableAt = now + wait;
            if (wait > maxWait)
            {
                return null;
            }

            _tokens -= 1;
            return wait;
        }
    }
}
