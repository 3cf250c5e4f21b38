namespace Webhooks.Sdk.Storage;

/// <summary>Conveniences over <see cref="IDeliveryQueueStore"/>.</summary>
internal static class DeliveryQueueStoreExtensions
{
    /// <summary>Completes one leased delivery (see <see cref="IDeliveryQueueStore.CompleteAsync"/>).</summary>
    /// <param name="queue">The queue.</param>
    /// <param name="completion">The completion.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns><see langword="false"/> when the lease was no longer held.</returns>
    public static async Task<bool> CompleteAsync(this IDeliveryQueueStore queue, DeliveryCompletion completion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(completion);
        var results = await queue.CompleteAsync([completion], cancellationToken).ConfigureAwait(false);
        return results[0];
    }
}
