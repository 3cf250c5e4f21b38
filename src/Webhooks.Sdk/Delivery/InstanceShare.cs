namespace Webhooks.Sdk.Delivery;

/// <summary>
/// How many live instances share the store, as this instance last saw it (1 until told otherwise). A destination's
/// rate limit is split between them: each instance takes 1/n of the rate and of the burst.
/// </summary>
/// <remarks>
/// An instance that joins others does not send to rate-limited destinations until they have had time to count it
/// (one heartbeat interval and a margin): until then they still take the whole rate between themselves, and sending
/// beside them would exceed it. An instance that finds itself alone starts at once; one that leaves only makes the
/// others send below the rate until they count again.
/// </remarks>
internal sealed class InstanceShare
{
    /// <summary>How long a joining instance waits for the others to count it: a heartbeat interval and a margin.</summary>
    public static readonly TimeSpan JoinHold = WebhookDispatcher.HeartbeatInterval * 1.2;

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
