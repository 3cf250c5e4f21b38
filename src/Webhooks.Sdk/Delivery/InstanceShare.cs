namespace Webhooks.Sdk.Delivery;

/// <summary>
/// How many live instances share the store, as this instance last saw it (1 until told otherwise). A destination's
/// rate limit is split between them: each instance takes 1/n of the rate and of the burst.
/// </summary>
/// <remarks>
/// An instance that joins others does not send to rate-limited destinations until they have counted it: until then
/// they still take the whole rate between themselves, and sending beside them would exceed it. The dispatcher
/// releases the hold (<see cref="Release"/>) once every live instance has sent a heartbeat since this one registered
/// (each counts right after its heartbeat), plus <see cref="JoinMargin"/>; <see cref="JoinHold"/> caps the wait when
/// that cannot be seen (clocks apart). An instance that finds itself alone starts at once; one that leaves only makes
/// the others send below the rate until they count again.
/// </remarks>
internal sealed class InstanceShare
{
    /// <summary>The longest a joining instance waits for the others to count it: three heartbeat intervals.</summary>
    public static readonly TimeSpan JoinHold = WebhookDispatcher.HeartbeatInterval * 3;

    /// <summary>
    /// How long a joining instance still waits once the others have counted it: their count reaches them after their
    /// heartbeat, and the sends they reserved at the whole rate (a quarter of a second at most) go first.
    /// </summary>
    public static readonly TimeSpan JoinMargin = TimeSpan.FromSeconds(1);

    private readonly TimeProvider _time;
    private int _count = 1;
    private int _counted;
    private long _heldUntilTicks;

    public InstanceShare(TimeProvider time) => _time = time;

    /// <summary>Gets or sets the live instances (at least 1). The first count that finds others holds this instance back (see remarks).</summary>
    public int Count
    {
        get => Volatile.Read(ref _count);
        set
        {
            var count = Math.Max(1, value);
            if (Interlocked.Exchange(ref _counted, 1) == 0 && count > 1)
            {
                Interlocked.Exchange(ref _heldUntilTicks, (_time.GetUtcNow() + JoinHold).UtcTicks);
            }

            Volatile.Write(ref _count, count);
        }
    }

    /// <summary>Ends the hold at <paramref name="at"/> at the latest (the others have counted this instance).</summary>
    /// <param name="at">The time the hold ends.</param>
    public void Release(DateTimeOffset at)
    {
        var ticks = at.UtcTicks;
        long current;
        do
        {
            current = Interlocked.Read(ref _heldUntilTicks);
            if (current == 0 || current <= ticks)
            {
                return;
            }
        }
        while (Interlocked.CompareExchange(ref _heldUntilTicks, ticks, current) != current);
    }

    /// <summary>Gets a value indicating whether this instance is still held at <paramref name="now"/>.</summary>
    /// <param name="now">The current time.</param>
    /// <returns><see langword="true"/> while held.</returns>
    public bool IsHeld(DateTimeOffset now) => HeldUntil is { } held && held > now;

    /// <summary>Gets the time until which this instance, having just joined others, sends nothing rate-limited, or <see langword="null"/>.</summary>
    public DateTimeOffset? HeldUntil
    {
        get
        {
            var ticks = Interlocked.Read(ref _heldUntilTicks);
            return ticks == 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
        }
    }
}
