namespace Webhooks.Sdk.Storage;

/// <summary>The processes sharing a store: each registers and sends a heartbeat, so every one knows how many are live (for example to take its share of a destination's rate limit).</summary>
public interface IInstanceRegistry
{
    /// <summary>Registers an instance, or refreshes its heartbeat when it is registered.</summary>
    /// <param name="instanceId">The instance id (unique per process).</param>
    /// <param name="now">The current time.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>A task that completes when stored.</returns>
    Task HeartbeatAsync(string instanceId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Counts the instances whose last heartbeat is at or after <paramref name="since"/>.</summary>
    /// <param name="since">The oldest heartbeat that counts as live.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The count.</returns>
    Task<int> CountLiveInstancesAsync(DateTimeOffset since, CancellationToken cancellationToken);

    /// <summary>Removes an instance (on a clean shutdown).</summary>
    /// <param name="instanceId">The instance id.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>A task that completes when removed.</returns>
    Task RemoveInstanceAsync(string instanceId, CancellationToken cancellationToken);
}
