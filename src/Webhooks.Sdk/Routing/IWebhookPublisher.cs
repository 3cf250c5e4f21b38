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
    /// accepted the deliveries (not when they are delivered; the dispatcher of a started host sends them); throws when it
    /// could not make them durable. The event type is matched case-sensitively; in <c>Catalog.Mode</c> <c>Strict</c> an
    /// unregistered type is refused. A destination whose secret cannot be decrypted is routed from its plain settings: its
    /// delivery is queued and then fails with the reason, and the others are not affected.
    /// </summary>
    /// <param name="webhookEvent">The event.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The event id and the queued deliveries.</returns>
    Task<PublishResult> PublishAsync(WebhookEvent webhookEvent, CancellationToken cancellationToken);

    /// <summary>
    /// Publishes like <see cref="PublishAsync(WebhookEvent, CancellationToken)"/>, with options, for example inside the
    /// caller's own database transaction (outbox).
    /// </summary>
    /// <param name="webhookEvent">The event.</param>
    /// <param name="options">The publish options, or <see langword="null"/> for none.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The event id and the queued deliveries.</returns>
    Task<PublishResult> PublishAsync(WebhookEvent webhookEvent, WebhookPublishOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Queues the event for the chosen destinations whatever their subscriptions (they must exist and be enabled). Like
    /// <see cref="PublishAsync(WebhookEvent, CancellationToken)"/> it returns once the deliveries are queued; the
    /// dispatcher sends them. To send now and see the answer, use <c>IWebhookDestinationManager.TestAsync</c>.
    /// </summary>
    /// <param name="webhookEvent">The event.</param>
    /// <param name="destinationIds">The destination ids.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The event id and the queued deliveries.</returns>
    Task<PublishResult> EnqueueToAsync(WebhookEvent webhookEvent, IEnumerable<string> destinationIds, CancellationToken cancellationToken = default);

    /// <summary>Queues the event for the chosen destinations: the former name of <see cref="EnqueueToAsync"/>, which it calls.</summary>
    /// <param name="webhookEvent">The event.</param>
    /// <param name="destinationIds">The destination ids.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The event id and the queued deliveries.</returns>
    [Obsolete("SendAsync only queues; it is renamed EnqueueToAsync and will be removed in the next release.")]
    Task<PublishResult> SendAsync(WebhookEvent webhookEvent, IEnumerable<string> destinationIds, CancellationToken cancellationToken = default)
        => EnqueueToAsync(webhookEvent, destinationIds, cancellationToken);
}

/// <summary>Options of one publish.</summary>
public sealed class WebhookPublishOptions
{
    /// <summary>
    /// Gets the caller's open transaction to enqueue in, set only by the store packages' typed outbox overloads
    /// (<c>PublishAsync(event, SqliteTransaction)</c>, <c>PublishAsync(event, NpgsqlTransaction)</c>). The deliveries
    /// exist if and only if it commits. A store that cannot join it (another type, another database, the in-memory
    /// store) refuses it, whether or not a destination matches.
    /// </summary>
    internal System.Data.Common.DbTransaction? Transaction { get; init; }

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

    /// <summary>
    /// Gets a value indicating whether the deliveries were written inside the caller's transaction: they exist only if that
    /// transaction commits; after a rollback these ids name nothing.
    /// </summary>
    public bool PendingCommit { get; init; }

    /// <inheritdoc />
    public override string ToString()
        => PendingCommit
            ? $"Event {EventId}: {Deliveries.Count} deliveries queued in the caller's transaction; they exist only if it commits."
            : $"Event {EventId}: {Deliveries.Count} deliveries queued.";
}

/// <summary>One queued delivery.</summary>
/// <param name="DeliveryId">The delivery id.</param>
/// <param name="DestinationId">The destination id.</param>
public sealed record QueuedDelivery(string DeliveryId, string DestinationId);
