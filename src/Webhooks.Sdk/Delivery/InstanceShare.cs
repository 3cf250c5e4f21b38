namespace Webhooks.Sdk.Delivery;

/// <summary>
/// How many live instances share the store, as this instance last saw it (1 until told otherwise). A destination's
/// rate limit is split between them: each instance takes 1/n of the rate and of the burst.
/// </summary>
internal sealed class InstanceShare
{
    private int _count = 1;

    public int Count
    {
        get => Volatile.Read(ref _count);
        set => Volatile.Write(ref _count, Math.Max(1, value));
    }
}
