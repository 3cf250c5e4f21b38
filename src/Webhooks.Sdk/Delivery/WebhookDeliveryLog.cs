using Webhooks.Sdk.Storage;

namespace Webhooks.Sdk.Delivery;

internal sealed class WebhookDeliveryLog : IWebhookDeliveryLog
{
    private readonly IWebhookStore _store;
    private readonly DispatchSignal _signal;
    private readonly TimeProvider _time;
    private readonly Diagnostics.WebhookMetrics _metrics;

    public WebhookDeliveryLog(IWebhookStore store, DispatchSignal signal, TimeProvider time, Diagnostics.WebhookMetrics metrics)
        : this(store, signal, time, metrics, WebhookTenant.Default)
    {
    }

    private WebhookDeliveryLog(IWebhookStore store, DispatchSignal signal, TimeProvider time, Diagnostics.WebhookMetrics metrics, string tenantId)
    {
        _store = store;
        _signal = signal;
        _time = time;
        _metrics = metrics;
        TenantId = tenantId;
    }

    public string TenantId { get; }

    public IWebhookDeliveryLog ForTenant(string tenantId) => new WebhookDeliveryLog(_store, _signal, _time, _metrics, WebhookTenant.Validate(tenantId));

    public async Task<WebhookDelivery> GetAsync(string deliveryId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(deliveryId);
        var record = await _store.GetDeliveryAsync(TenantId, deliveryId, cancellationToken).ConfigureAwait(false)
            ?? throw WebhookNotFoundException.Delivery(TenantId, deliveryId);
        return DeliveryMapping.ToPublic(record);
    }

    public async Task<IReadOnlyList<WebhookDelivery>> ListAsync(string? destinationId, int limit = 50, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, 1000);
        var page = await _store.QueryDeliveriesAsync(new DeliveryQuery { TenantId = TenantId, DestinationId = destinationId, Limit = limit }, cancellationToken).ConfigureAwait(false);
        return page.Items.Select(DeliveryMapping.ToPublic).ToArray();
    }

    public async Task<WebhookCursorPage<WebhookDelivery>> QueryAsync(WebhookDeliveryQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Limit is < 1 or > 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(query), query.Limit, "WebhookDeliveryQuery.Limit must be between 1 and 1000.");
        }

        var page = await _store.QueryDeliveriesAsync(
            new DeliveryQuery
            {
                TenantId = TenantId,
                DestinationId = query.DestinationId,
                Status = query.Status,
                EventType = query.EventType,
                Since = query.Since,
                Until = query.Until,
                StatusCodeClass = query.StatusCodeClass,
                Limit = query.Limit,
                Cursor = query.Cursor,
            },
            cancellationToken).ConfigureAwait(false);
        return new WebhookCursorPage<WebhookDelivery>(page.Items.Select(DeliveryMapping.ToPublic).ToArray(), page.NextCursor);
    }

    public async Task<WebhookDeliveryCounts> CountAsync(string? destinationId = null, DateTimeOffset? since = null, DateTimeOffset? until = null, CancellationToken cancellationToken = default)
    {
        var counts = await _store.CountDeliveriesAsync(new DeliveryCountQuery { TenantId = TenantId, DestinationId = destinationId, Since = since, Until = until }, cancellationToken).ConfigureAwait(false);
        return new WebhookDeliveryCounts(counts.Pending, counts.Succeeded, counts.Failed);
    }

    public async Task<IReadOnlyList<WebhookDeliveryAttempt>> ListAttemptsAsync(string deliveryId, CancellationToken cancellationToken = default)
    {
        await GetAsync(deliveryId, cancellationToken).ConfigureAwait(false);
        var attempts = await _store.ListAttemptsAsync(TenantId, deliveryId, cancellationToken).ConfigureAwait(false);
        return attempts.Select(DeliveryMapping.ToPublic).ToArray();
    }

    public async Task RedeliverAsync(string deliveryId, CancellationToken cancellationToken = default)
    {
        var delivery = await GetAsync(deliveryId, cancellationToken).ConfigureAwait(false);
        if (delivery.Status == WebhookDeliveryStatus.Pending)
        {
            throw new InvalidOperationException($"Webhook delivery '{deliveryId}' is still pending; only a succeeded or failed delivery can be redelivered.");
        }

        if (delivery.IsTest)
        {
            throw new InvalidOperationException($"Webhook delivery '{deliveryId}' was a test delivery; send another test instead.");
        }

        var requeued = await _store.RequeueDeliveryAsync(TenantId, deliveryId, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        _metrics.RecordRedelivered(requeued ? 1 : 0);
        _signal.Notify();
    }

    public async Task<int> ReplayFailedAsync(string destinationId, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(destinationId);
        _ = await _store.GetDestinationAsync(TenantId, destinationId, cancellationToken).ConfigureAwait(false)
            ?? throw WebhookNotFoundException.Destination(TenantId, destinationId);
        var count = await _store.RequeueFailedAsync(TenantId, destinationId, since, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        if (count > 0)
        {
            _metrics.RecordRedelivered(count);
            _signal.Notify();
        }

        return count;
    }
}
