namespace Webhooks.Sdk.Delivery;

/// <summary>
/// A destination's token bucket (deliveries per second with a burst), shared by every worker of the process. When
/// several instances share a store, each takes a share of the rate and of the burst (see <see cref="TryAcquire(DateTimeOffset, TimeSpan, InstanceShare, out DateTimeOffset)"/>).
/// The arithmetic never overflows: waits are capped at <see cref="MaxWait"/>, whatever the stored limit.
/// </summary>
/// <remarks>
/// Tokens are reserved ahead (a worker takes one and sleeps until it is due), so a pause of the process (a garbage
/// collection, a busy thread pool) would let every reservation that fell due during it go at once, on top of the ones
/// due next. <see cref="WaitForSendSlot"/> guards against that at the moment of sending: it keeps the actual send
/// times of the last second and holds a send while that second already has this instance's full share.
/// </remarks>
internal sealed class TokenBucket
{
    /// <summary>The longest wait the bucket ever reports (a limit so small that the next token is further away is treated as this).</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromDays(1);

    /// <summary>
    /// The part of the rate that instances sharing a store pace to together (90 %). They do not coordinate each send,
    /// so the network and scheduling jitter between them can bunch requests at the receiver; the margin absorbs that
    /// and keeps any 1 s window at the receiver within the limit. A lone instance paces to the full rate.
    /// </summary>
    public const double SharedPacing = 0.9;

    /// <summary>The most sends per second whose times the send window keeps; faster limits rely on the bucket alone.</summary>
    private const int MaxWindowSends = 1000;

    private readonly object _sync = new();
    private readonly Queue<long> _sentTicks = new();
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

    /// <summary>
    /// Records a send about to be made now, or returns how long to wait first: the sends of the last second may not
    /// exceed this instance's share of the rate plus its share of the burst, less one (a limit of 20/s with a burst of
    /// one: 20 sends in any second). Call it after the wait of <see cref="TryAcquire(DateTimeOffset, TimeSpan, InstanceShare, out DateTimeOffset)"/>,
    /// and again after the returned wait, until it returns zero.
    /// </summary>
    /// <param name="now">The current time.</param>
    /// <param name="instances">How many live instances share the destination's rate (1 or more).</param>
    /// <returns>Zero when the send is recorded, else the wait before asking again.</returns>
    public TimeSpan WaitForSendSlot(DateTimeOffset now, int instances)
    {
        var (perSecond, capacity) = Share(instances);
        var allowed = Math.Floor(perSecond) + Math.Ceiling(capacity) - 1;
        if (!(allowed <= MaxWindowSends))
        {
            return TimeSpan.Zero;
        }

        var limit = Math.Max(1, (int)allowed);
        var window = TimeSpan.TicksPerSecond;
        lock (_sync)
        {
            while (_sentTicks.Count > 0 && _sentTicks.Peek() <= now.UtcTicks - window)
            {
                _sentTicks.Dequeue();
            }

            if (_sentTicks.Count >= limit)
            {
                // The oldest send of the window leaves it at its time plus one second (at least a tick from now).
                var skip = _sentTicks.Count - limit;
                var oldest = _sentTicks.ElementAt(skip);
                return TimeSpan.FromTicks(Math.Max(1, oldest + window - now.UtcTicks));
            }

            _sentTicks.Enqueue(now.UtcTicks);
            return TimeSpan.Zero;
        }
    }

    /// <summary>Takes a token from this instance's share of the rate (see the other overload).</summary>
    /// <param name="now">The current time.</param>
    /// <param name="maxWait">The longest the caller is ready to wait in process.</param>
    /// <param name="instances">How many live instances share the destination's rate (1 or more).</param>
    /// <param name="availableAt">When a token is available.</param>
    /// <returns>The wait, or <see langword="null"/> when it is longer than <paramref name="maxWait"/>.</returns>
    public TimeSpan? TryAcquire(DateTimeOffset now, TimeSpan maxWait, int instances, out DateTimeOffset availableAt)
    {
        var (perSecond, capacity) = Share(instances);
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

    /// <summary>This instance's share of the rate (90 % of it split when shared) and exactly 1/n of the burst.</summary>
    private (double PerSecond, double Capacity) Share(int instances)
    {
        var share = Math.Max(1, instances);
        var perSecond = share == 1 ? Limit.PerSecond : Limit.PerSecond * SharedPacing / share;
        // Exactly 1/n of the burst, even below one token: n instances together never burst past the limit's burst
        // (a share below one token only makes the first delivery after a quiet time wait for the rest of its token).
        var capacity = (double)Math.Max(1, Limit.Burst) / share;
        if (!(perSecond > 0) || double.IsNaN(perSecond) || double.IsInfinity(perSecond))
        {
            perSecond = double.Epsilon;
        }

        return (perSecond, capacity);
    }
}
