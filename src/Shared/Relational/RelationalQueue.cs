using System.Data.Common;
using Webhooks.Sdk.Storage;

namespace Webhooks.Sdk.Relational;

/// <summary>Queue rules shared by the relational stores.</summary>
internal static class RelationalQueue
{
    /// <summary>
    /// Checks an enqueue batch and returns the caller's transaction to join (outbox), or <see langword="null"/> to
    /// write in the store's own. Throws when the batch carries a transaction of another type or a closed one.
    /// </summary>
    /// <typeparam name="TTransaction">The store's transaction type.</typeparam>
    /// <param name="batch">The batch.</param>
    /// <param name="storeName">The store's name, for the error.</param>
    /// <param name="callerTransaction">The caller's transaction, or <see langword="null"/>.</param>
    /// <returns><see langword="false"/> when there is nothing to enqueue (no deliveries).</returns>
    public static bool HasWork<TTransaction>(EnqueueBatch batch, string storeName, out TTransaction? callerTransaction)
        where TTransaction : DbTransaction
    {
        ArgumentNullException.ThrowIfNull(batch);
        callerTransaction = batch.Transaction switch
        {
            null => null,
            TTransaction tx when tx.Connection is not null => tx,
            var other => throw new ArgumentException($"The {storeName} webhook store enqueues only in an open {typeof(TTransaction).Name} (got {other.GetType().Name}).", nameof(batch)),
        };
        return batch.Deliveries.Count > 0;
    }
}
