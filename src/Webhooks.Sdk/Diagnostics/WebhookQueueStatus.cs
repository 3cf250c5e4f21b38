using Webhooks.Sdk.Storage;

namespace Webhooks.Sdk;

/// <summary>The state of the delivery queue and the dispatcher, as health checks and dashboards read it.</summary>
public interface IWebhookQueueStatus
{
    /// <summary>Reads the queue counts from the store (this fails when the store cannot be reached) and the dispatcher's last turn.</summary>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The snapshot.</returns>
    Task<WebhookQueueSnapshot> GetSnapshotAsync(CancellationToken cancellationToken = default);
}

/// <summary>The delivery queue and the dispatcher at one moment.</summary>
public sealed record WebhookQueueSnapshot
{
    /// <summary>Gets when the snapshot was taken.</summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>Gets the queue counts, or <see langword="null"/> when the store cannot count (it does not implement <see cref="IWebhookQueueStatisticsStore"/>).</summary>
    public WebhookQueueCounts? Counts { get; init; }

    /// <summary>Gets the age of the oldest due pending delivery (zero when none is due).</summary>
    public required TimeSpan OldestDueAge { get; init; }

    /// <summary>Gets a value indicating whether the hosted dispatcher runs in this process.</summary>
    public required bool DispatcherEnabled { get; init; }

    /// <summary>Gets when the dispatcher loop last turned (leased, or waited for work), or <see langword="null"/> before its first turn.</summary>
    public DateTimeOffset? DispatcherLastTurnAt { get; init; }

    /// <summary>Gets when this process's dispatcher was created (the reference before its first turn).</summary>
    public required DateTimeOffset DispatcherCreatedAt { get; init; }
}
