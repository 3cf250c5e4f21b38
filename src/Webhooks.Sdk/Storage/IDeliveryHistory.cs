namespace Webhooks.Sdk.Storage;

/// <summary>
/// Delivery history: filtered queries with cursor paging (newest first by <see cref="DeliveryRecord.Sequence"/>, no
/// limit on depth), attempts, counts for dashboards and metrics, test deliveries and purging.
/// </summary>
public interface IDeliveryHistory
{
    /// <summary>Gets a delivery.</summary>
    /// <param name="tenantId">The tenant.</param>
    /// <param name="deliveryId">The delivery id.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The delivery, or <see langword="null"/>.</returns>
    Task<DeliveryRecord?> GetDeliveryAsync(string tenantId, string deliveryId, CancellationToken cancellationToken);

    /// <summary>Lists deliveries newest first (descending sequence), filtered, one page at a time.</summary>
    /// <param name="query">The query.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The page; <see cref="WebhookCursorPage{T}.NextCursor"/> is <see langword="null"/> on the last page.</returns>
    Task<WebhookCursorPage<DeliveryRecord>> QueryDeliveriesAsync(DeliveryQuery query, CancellationToken cancellationToken);

    /// <summary>Lists a delivery's attempts by number.</summary>
    /// <param name="tenantId">The tenant.</param>
    /// <param name="deliveryId">The delivery id.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The attempts.</returns>
    Task<IReadOnlyList<AttemptRecord>> ListAttemptsAsync(string tenantId, string deliveryId, CancellationToken cancellationToken);

    /// <summary>Counts deliveries by status, created in a time window, for a tenant or one of its destinations.</summary>
    /// <param name="query">The query.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The counts.</returns>
    Task<DeliveryCounts> CountDeliveriesAsync(DeliveryCountQuery query, CancellationToken cancellationToken);

    /// <summary>Gets the due time of the oldest pending delivery due at or before <paramref name="now"/> and not under a live lease (the age of the backlog is <paramref name="now"/> minus it).</summary>
    /// <param name="tenantId">The tenant, or <see langword="null"/> for every tenant.</param>
    /// <param name="now">The current time.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The due time, or <see langword="null"/> when nothing is waiting.</returns>
    Task<DateTimeOffset?> GetOldestDueTimeAsync(string? tenantId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Stores a test delivery that already happened: its event, the final delivery and its single attempt.</summary>
    /// <param name="evt">The synthetic event.</param>
    /// <param name="delivery">The final delivery.</param>
    /// <param name="attempt">The attempt.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>A task that completes when stored.</returns>
    Task RecordTestDeliveryAsync(StoredEvent evt, DeliveryRecord delivery, AttemptRecord attempt, CancellationToken cancellationToken);

    /// <summary>Deletes up to <paramref name="batchSize"/> final deliveries completed before <paramref name="olderThan"/>, their attempts, and events left without deliveries.</summary>
    /// <param name="olderThan">The cut-off.</param>
    /// <param name="batchSize">The most deliveries to delete in this call.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>How many deliveries were deleted.</returns>
    Task<int> PurgeHistoryAsync(DateTimeOffset olderThan, int batchSize, CancellationToken cancellationToken);
}

/// <summary>A page of deliveries to list, newest first. Every filter set must match.</summary>
public sealed record DeliveryQuery
{
    /// <summary>Gets the tenant.</summary>
    public required string TenantId { get; init; }

    /// <summary>Gets the destination, or <see langword="null"/> for every destination.</summary>
    public string? DestinationId { get; init; }

    /// <summary>Gets the status, or <see langword="null"/> for all.</summary>
    public WebhookDeliveryStatus? Status { get; init; }

    /// <summary>Gets the exact event type, or <see langword="null"/> for all.</summary>
    public string? EventType { get; init; }

    /// <summary>Gets the earliest creation time (inclusive), or <see langword="null"/>.</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>Gets the latest creation time (exclusive), or <see langword="null"/>.</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>Gets the class of the last attempt's status code, or <see langword="null"/> for all.</summary>
    public WebhookStatusCodeClass? StatusCodeClass { get; init; }

    /// <summary>Gets the most deliveries to return.</summary>
    public int Limit { get; init; } = 50;

    /// <summary>Gets the <see cref="WebhookCursorPage{T}.NextCursor"/> of the previous page, or <see langword="null"/> for the first page.</summary>
    public string? Cursor { get; init; }
}

/// <summary>Which deliveries to count.</summary>
public sealed record DeliveryCountQuery
{
    /// <summary>Gets the tenant.</summary>
    public required string TenantId { get; init; }

    /// <summary>Gets the destination, or <see langword="null"/> for the whole tenant.</summary>
    public string? DestinationId { get; init; }

    /// <summary>Gets the earliest creation time (inclusive), or <see langword="null"/>.</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>Gets the latest creation time (exclusive), or <see langword="null"/>.</summary>
    public DateTimeOffset? Until { get; init; }
}

/// <summary>Deliveries counted by status.</summary>
/// <param name="Pending">Pending (queued, waiting for a retry, or in flight).</param>
/// <param name="Succeeded">Succeeded.</param>
/// <param name="Failed">Failed for good.</param>
public sealed record DeliveryCounts(long Pending, long Succeeded, long Failed)
{
    /// <summary>Gets the total.</summary>
    public long Total => Pending + Succeeded + Failed;
}
