namespace Webhooks.Sdk;

/// <summary>Publishes events: each becomes one queued delivery per enabled, subscribed destination of the tenant.</summary>
public interface IWebhookPublisher
{
    /// <summary>Gets the tenant this publisher works for.</summary>
    string TenantId { get; }

    /// <summary>Gets a publisher for another tenant.</summary>
    /// <param name="tenantId">The tenant (account) id.</param>
    /// <returns>The tenant's publisher.</returns>
    IWebhookPublisher ForTenant(string tenantId);

    /// <summary>
    /// Fans the event out to every enabled destination whose subscriptions match its type. Returns once the store has
    /// accepted the deliveries (not when they are delivered); throws when it could not make them durable.
    /// </summary>
    /// <param name="webhookEvent">The event.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The event id and the queued deliveries.</returns>
    Task<PublishResult> PublishAsync(WebhookEvent webhookEvent, CancellationToken cancellationToken = default);

    /// <summary>Publishes with options, for example inside the caller's own database transaction (outbox).</summary>
    /// <param name="webhookEvent">The event.</param>
    /// <param name="options">The publish options.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The event id and the queued deliveries.</returns>
    Task<PublishResult> PublishAsync(WebhookEvent webhookEvent, WebhookPublishOptions options, CancellationToken cancellationToken = default);

    /// <summary>Queues the event for the chosen destinations whatever their subscriptions (they must exist and be enabled).</summary>
    /// <param name="webhookEvent">The event.</param>
    /// <param name="destinationIds">The destination ids.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The event id and the queued deliveries.</returns>
    Task<PublishResult> SendAsync(WebhookEvent webhookEvent, IEnumerable<string> destinationIds, CancellationToken cancellationToken = default);
}

/// <summary>Options of one publish.</summary>
public sealed class WebhookPublishOptions
{
    /// <summary>Gets or sets the caller's open transaction to enqueue in (for example a <c>SqliteTransaction</c>): the deliveries exist if and only if it commits.</summary>
    public object? Transaction { get; set; }

    /// <summary>Gets the destination an operational event is about; it never receives the event.</summary>
    internal string? AboutDestinationId { get; init; }
}

/// <summary>What a publish queued.</summary>
/// <param name="EventId">The event id (generated when the event had none).</param>
/// <param name="Deliveries">One entry per queued delivery.</param>
public sealed record PublishResult(string EventId, IReadOnlyList<QueuedDelivery> Deliveries)
{
    /// <summary>Gets the ids of the queued deliveries.</summary>
    public IEnumerable<string> DeliveryIds => Deliveries.Select(d => d.DeliveryId);
}

/// <summary>One queued delivery.</summary>
/// <param name="DeliveryId">The delivery id.</param>
/// <param name="DestinationId">The destination id.</param>
public sealed record QueuedDelivery(string DeliveryId, string DestinationId);
