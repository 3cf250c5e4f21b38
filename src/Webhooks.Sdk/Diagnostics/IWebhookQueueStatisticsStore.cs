namespace Webhooks.Sdk.Storage;

/// <summary>
/// A store that can count its queue for the metrics and health checks. Optional: a store that does not implement it
/// reports no queue gauges and its health check says so.
/// </summary>
public interface IWebhookQueueStatisticsStore
{
    /// <summary>Counts deliveries by state across all tenants and finds the oldest due one.</summary>
    /// <param name="now">The current time: a pending delivery due at or before it is due.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The counts.</returns>
    Task<WebhookQueueCounts> GetQueueCountsAsync(DateTimeOffset now, CancellationToken cancellationToken);
}

/// <summary>Counts of the delivery queue at one moment.</summary>
public sealed record WebhookQueueCounts
{
    /// <summary>Gets the pending deliveries not attempted yet.</summary>
    public required long Pending { get; init; }

    /// <summary>Gets the pending deliveries that failed at least once and wait for a retry.</summary>
    public required long Retrying { get; init; }

    /// <summary>Gets the failed (dead-lettered) deliveries kept in history.</summary>
    public required long Dead { get; init; }

    /// <summary>Gets the due time of the oldest pending delivery that is due, or <see langword="null"/> when none is due.</summary>
    public DateTimeOffset? OldestDueAt { get; init; }
}
