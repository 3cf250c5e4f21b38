using Webhooks.Sdk.Internal;
using Webhooks.Sdk.Storage;

namespace Webhooks.Sdk.Delivery;

internal sealed class WebhookDeliveryLog : IWebhookDeliveryLog
{
    private readonly WebhookCore _core;

    public WebhookDeliveryLog(WebhookCore core)
        : this(core, WebhookTenant.Default)
    {
    }

    private WebhookDeliveryLog(WebhookCore core, string tenantId)
    {
        _core = core;
        TenantId = tenantId;
    }

    public string TenantId { get; }

    public IWebhookDeliveryLog ForTenant(string tenantId) => new WebhookDeliveryLog(_core, WebhookTenant.Validate(tenantId));

    public async Task<WebhookDelivery> GetAsync(string deliveryId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(deliveryId);
        var record = await _core.Store.GetDeliveryAsync(TenantId, deliveryId, cancellationToken).ConfigureAwait(false)
            ?? throw WebhookNotFoundException.Delivery(TenantId, deliveryId);
        return DeliveryMapping.ToPublic(record);
    }

    public async Task<IReadOnlyList<WebhookDelivery>> ListAsync(string? destinationId, int limit = 50, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, 1000);
        var page = await _core.Store.QueryDeliveriesAsync(new DeliveryQuery { TenantId = TenantId, DestinationId = destinationId, Limit = limit }, cancellationToken).ConfigureAwait(false);
        return page.Items.Select(DeliveryMapping.ToPublic).ToArray();
    }

    public async Task<WebhookCursorPage<WebhookDelivery>> QueryAsync(WebhookDeliveryQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Limit is < 1 or > 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(query), query.Limit, "WebhookDeliveryQuery.Limit must be between 1 and 1000.");
        }

        var page = await _core.Store.QueryDeliveriesAsync(
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
        var counts = await _core.Store.CountDeliveriesAsync(new DeliveryCountQuery { TenantId = TenantId, DestinationId = destinationId, Since = since, Until = until }, cancellationToken).ConfigureAwait(false);
        return new WebhookDeliveryCounts(counts.Pending, counts.Succeeded, counts.Failed);
    }

    public async Task<IReadOnlyList<WebhookDeliveryAttempt>> ListAttemptsAsync(string deliveryId, CancellationToken cancellationToken = default)
    {
        await GetAsync(deliveryId, cancellationToken).ConfigureAwait(false);
        var attempts = await _core.Store.ListAttemptsAsync(TenantId, deliveryId, cancellationToken).ConfigureAwait(false);
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

        await _core.Store.RequeueDeliveryAsync(TenantId, deliveryId, _core.Time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        _core.Signal.Notify();
    }

    public async Task<int> ReplayFailedAsync(string destinationId, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        await _core.GetRuntimeAsync(TenantId, destinationId, cancellationToken).ConfigureAwait(false);
        var count = await _core.Store.RequeueFailedAsync(TenantId, destinationId, since, _core.Time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        if (count > 0)
        {
            _core.Signal.Notify();
        }

        return count;
    }
}
