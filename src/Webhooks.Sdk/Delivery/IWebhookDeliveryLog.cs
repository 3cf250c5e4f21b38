namespace Webhooks.Sdk;

/// <summary>Delivery history: deliveries, their attempts, and manual redelivery.</summary>
public interface IWebhookDeliveryLog
{
    /// <summary>Gets the tenant this log works for.</summary>
    string TenantId { get; }

    /// <summary>Gets the log of another tenant.</summary>
    /// <param name="tenantId">The tenant (account) id.</param>
    /// <returns>The tenant's log.</returns>
    IWebhookDeliveryLog ForTenant(string tenantId);

    /// <summary>Gets a delivery; throws <see cref="WebhookNotFoundException"/> when it does not exist in the tenant.</summary>
    /// <param name="deliveryId">The delivery id.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The delivery.</returns>
    Task<WebhookDelivery> GetAsync(string deliveryId, CancellationToken cancellationToken = default);

    /// <summary>Lists a destination's deliveries, newest first.</summary>
    /// <param name="destinationId">The destination id, or <see langword="null"/> for all of the tenant's.</param>
    /// <param name="limit">How many at most, 1 to 1000.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The deliveries.</returns>
    Task<IReadOnlyList<WebhookDelivery>> ListAsync(string? destinationId, int limit = 50, CancellationToken cancellationToken = default);

    /// <summary>
    /// Lists deliveries newest first, filtered, one page at a time. Pass each page's
    /// <see cref="WebhookCursorPage{T}.NextCursor"/> as the next query's <see cref="WebhookDeliveryQuery.Cursor"/> to
    /// walk the whole history (there is no limit on depth).
    /// </summary>
    /// <param name="query">The filters, page size and cursor.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The page.</returns>
    Task<WebhookCursorPage<WebhookDelivery>> QueryAsync(WebhookDeliveryQuery query, CancellationToken cancellationToken = default);

    /// <summary>Counts the tenant's deliveries by status, for the whole tenant or one destination, created in a time window.</summary>
    /// <param name="destinationId">The destination id, or <see langword="null"/> for the whole tenant.</param>
    /// <param name="since">The earliest creation time (inclusive), or <see langword="null"/>.</param>
    /// <param name="until">The latest creation time (exclusive), or <see langword="null"/>.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The counts.</returns>
    Task<WebhookDeliveryCounts> CountAsync(string? destinationId = null, DateTimeOffset? since = null, DateTimeOffset? until = null, CancellationToken cancellationToken = default);

    /// <summary>Lists a delivery's attempts, first to last.</summary>
    /// <param name="deliveryId">The delivery id.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The attempts.</returns>
    Task<IReadOnlyList<WebhookDeliveryAttempt>> ListAttemptsAsync(string deliveryId, CancellationToken cancellationToken = default);

    /// <summary>Queues a final (failed or succeeded) delivery once more, now. It is not retried further if that attempt fails.</summary>
    /// <param name="deliveryId">The delivery id.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>A task that completes when queued.</returns>
    Task RedeliverAsync(string deliveryId, CancellationToken cancellationToken = default);

    /// <summary>Queues once more every failed delivery of a destination that failed at or after <paramref name="since"/>.</summary>
    /// <param name="destinationId">The destination id.</param>
    /// <param name="since">The earliest failure time to replay.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>How many were queued.</returns>
    Task<int> ReplayFailedAsync(string destinationId, DateTimeOffset since, CancellationToken cancellationToken = default);
}

/// <summary>A filtered page of delivery history (see <see cref="IWebhookDeliveryLog.QueryAsync"/>). Every filter set must match.</summary>
public sealed record WebhookDeliveryQuery
{
    /// <summary>Gets the destination id, or <see langword="null"/> for every destination.</summary>
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

    /// <summary>Gets the most deliveries to return, 1 to 1000.</summary>
    /// <value>The default value is 50.</value>
    public int Limit { get; init; } = 50;

    /// <summary>Gets the <see cref="WebhookCursorPage{T}.NextCursor"/> of the previous page, or <see langword="null"/> for the newest.</summary>
    public string? Cursor { get; init; }
}

/// <summary>The class of an attempt's HTTP status code, for filtering history.</summary>
public enum WebhookStatusCodeClass
{
    /// <summary>No status code: nothing was received (or no attempt was made yet).</summary>
    None = 0,

    /// <summary>2xx.</summary>
    Success = 2,

    /// <summary>4xx.</summary>
    ClientError = 4,

    /// <summary>5xx.</summary>
    ServerError = 5,
}

/// <summary>One page of a cursor-paged list.</summary>
/// <typeparam name="T">The item type.</typeparam>
/// <param name="Items">The items of this page.</param>
/// <param name="NextCursor">The opaque cursor of the next page, or <see langword="null"/> on the last page.</param>
public sealed record WebhookCursorPage<T>(IReadOnlyList<T> Items, string? NextCursor);

/// <summary>Deliveries counted by status.</summary>
/// <param name="Pending">Pending (queued, waiting for a retry, or in flight).</param>
/// <param name="Succeeded">Succeeded.</param>
/// <param name="Failed">Failed for good.</param>
public sealed record WebhookDeliveryCounts(long Pending, long Succeeded, long Failed);

/// <summary>One event to one destination, as history shows it.</summary>
public sealed record WebhookDelivery
{
    /// <summary>Gets the delivery id.</summary>
    public required string Id { get; init; }

    /// <summary>Gets the event id.</summary>
    public required string EventId { get; init; }

    /// <summary>Gets the event type.</summary>
    public required string EventType { get; init; }

    /// <summary>Gets the destination id.</summary>
    public required string DestinationId { get; init; }

    /// <summary>Gets the status.</summary>
    public required WebhookDeliveryStatus Status { get; init; }

    /// <summary>Gets how many attempts were made.</summary>
    public required int AttemptCount { get; init; }

    /// <summary>Gets when it was queued.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Gets when the next attempt is due, while pending.</summary>
    public DateTimeOffset? NextAttemptAt { get; init; }

    /// <summary>Gets when it became final.</summary>
    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>Gets the status code of the last attempt.</summary>
    public int? LastStatusCode { get; init; }

    /// <summary>Gets the error of the last attempt.</summary>
    public string? LastError { get; init; }

    /// <summary>Gets a value indicating whether it was a test delivery.</summary>
    public bool IsTest { get; init; }
}

/// <summary>The state of a delivery.</summary>
public enum WebhookDeliveryStatus
{
    /// <summary>Queued or waiting for a retry.</summary>
    Pending = 0,

    /// <summary>Delivered.</summary>
    Succeeded = 1,

    /// <summary>Failed for good (dead-lettered); can be redelivered.</summary>
    Failed = 2,
}

/// <summary>One HTTP exchange of a delivery.</summary>
public sealed record WebhookDeliveryAttempt
{
    /// <summary>Gets the attempt number, from 1.</summary>
    public required int Number { get; init; }

    /// <summary>Gets when it started.</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>Gets how long it took.</summary>
    public required TimeSpan Duration { get; init; }

    /// <summary>Gets the status code, when there was a response.</summary>
    public int? StatusCode { get; init; }

    /// <summary>Gets a value indicating whether it succeeded.</summary>
    public required bool Success { get; init; }

    /// <summary>Gets the error text.</summary>
    public string? Error { get; init; }

    /// <summary>Gets the start of the response body.</summary>
    public string? ResponseExcerpt { get; init; }
}

/// <summary>Wakes the dispatcher at once (the publisher does this in-process; stores that see work from other processes do it too).</summary>
public interface IWebhookDispatchSignal
{
    /// <summary>Signals that deliveries may be due.</summary>
    void Notify();
}

/// <summary>Observes destination health; register with <c>AddObserver&lt;T&gt;()</c>.</summary>
public interface IWebhookObserver
{
    /// <summary>Called after a destination was disabled automatically (too many consecutive failures, or 410 Gone).</summary>
    /// <param name="destination">The destination as it is now.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>A task.</returns>
    ValueTask OnDestinationDisabledAsync(WebhookDestination destination, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>Called after a delivery failed for good (retries exhausted).</summary>
    /// <param name="delivery">The delivery.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>A task.</returns>
    ValueTask OnDeliveryFailedAsync(WebhookDelivery delivery, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
