namespace Webhooks.Sdk.Storage;

/// <summary>
/// Which deliveries of a batch the library's stores write already leased (see
/// <see cref="IDeliveryQueueStore.EnqueueLeasedAsync"/>): pending ones without an ordering key, the first
/// <see cref="EnqueueLease.MaxCount"/> in batch order, none in a caller's transaction. A delivery with an ordering key is
/// never leased at enqueue: another delivery of its key may be pending ahead of it, and only the queue knows.
/// </summary>
internal static class EnqueueLeaseRule
{
    /// <summary>Decides, per delivery, whether it is written leased.</summary>
    /// <param name="batch">The batch.</param>
    /// <param name="lease">The lease, or <see langword="null"/> (none leased).</param>
    /// <returns>Per delivery, in batch order, whether it is written leased.</returns>
    public static bool[] Apply(EnqueueBatch batch, EnqueueLease? lease)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var leased = new bool[batch.Deliveries.Count];
        if (lease is null || batch.Transaction is not null)
        {
            return leased;
        }

        var left = lease.MaxCount;
        for (var i = 0; i < leased.Length && left > 0; i++)
        {
            var d = batch.Deliveries[i];
            if (d.Status == WebhookDeliveryStatus.Pending && d.OrderingKey is null)
            {
                leased[i] = true;
                left--;
            }
        }

        return leased;
    }
}
