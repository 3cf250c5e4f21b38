namespace Webhooks.Sdk.Storage;

/// <summary>A destination as a store keeps it. Settings live in <see cref="ConfigJson"/>; secrets only in <see cref="ProtectedAuth"/>.</summary>
public sealed record DestinationRecord
{
    /// <summary>Gets the tenant.</summary>
    public required string TenantId { get; init; }

    /// <summary>Gets the id, unique within the tenant.</summary>
    public required string Id { get; init; }

    /// <summary>Gets the display name.</summary>
    public required string Name { get; init; }

    /// <summary>Gets a value indicating whether the destination receives deliveries.</summary>
    public required bool Enabled { get; init; }

    /// <summary>Gets the non-secret settings as JSON (opaque to stores).</summary>
    public required string ConfigJson { get; init; }

    /// <summary>Gets the auth settings as protected by the <see cref="ISecretProtector"/> (opaque to stores).</summary>
    public string? ProtectedAuth { get; init; }

    /// <summary>Gets when the destination was created.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Gets when it was last changed.</summary>
    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Gets when a delivery last succeeded.</summary>
    public DateTimeOffset? LastSuccessAt { get; init; }

    /// <summary>Gets when an attempt last failed.</summary>
    public DateTimeOffset? LastFailureAt { get; init; }

    /// <summary>Gets the failed attempts since the last success or enable.</summary>
    public int ConsecutiveFailures { get; init; }

    /// <summary>Gets why the destination is disabled.</summary>
    public string? DisabledReason { get; init; }

    /// <summary>Gets the configuration version: 1 when inserted, incremented by every configuration write (not by health writes).</summary>
    public long Version { get; init; }
}

/// <summary>An event as a store keeps it, once per publish, shared by its deliveries.</summary>
public sealed record StoredEvent
{
    /// <summary>Gets the tenant.</summary>
    public required string TenantId { get; init; }

    /// <summary>Gets the event id.</summary>
    public required string Id { get; init; }

    /// <summary>Gets the event type.</summary>
    public required string Type { get; init; }

    /// <summary>Gets when the event happened.</summary>
    public required DateTimeOffset OccurredAt { get; init; }

    /// <summary>Gets the whole event serialized as JSON (opaque to stores; the library reads it back).</summary>
    public required ReadOnlyMemory<byte> Json { get; init; }

    /// <summary>Gets the trace context of the publish (an opaque string such as a W3C <c>traceparent</c>), or <see langword="null"/>; stored with the event so a retry can be linked to its publish.</summary>
    public string? TraceContext { get; init; }

    /// <summary>Gets the event itself when this process published it (the in-memory store keeps only this, no JSON).</summary>
    internal WebhookEvent? Parsed { get; init; }
}

/// <summary>One event to one destination.</summary>
public sealed record DeliveryRecord
{
    /// <summary>Gets the tenant.</summary>
    public required string TenantId { get; init; }

    /// <summary>Gets the delivery id.</summary>
    public required string Id { get; init; }

    /// <summary>Gets the event id.</summary>
    public required string EventId { get; init; }

    /// <summary>Gets the event type (copied for listing).</summary>
    public required string EventType { get; init; }

    /// <summary>Gets the destination id.</summary>
    public required string DestinationId { get; init; }

    /// <summary>Gets the status.</summary>
    public required WebhookDeliveryStatus Status { get; init; }

    /// <summary>Gets the number of attempts made so far.</summary>
    public int AttemptCount { get; init; }

    /// <summary>Gets the number of attempts allowed in all (1 + retry count; a manual redelivery allows one more).</summary>
    public required int MaxAttempts { get; init; }

    /// <summary>Gets when the delivery was created.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Gets when the next attempt is due (meaningful while pending).</summary>
    public required DateTimeOffset DueAt { get; init; }

    /// <summary>Gets when the delivery became final.</summary>
    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>
    /// Gets the ordering key: among pending deliveries with the same destination and a non-null ordering key, only the
    /// one enqueued first may be leased.
    /// </summary>
    public string? OrderingKey { get; init; }

    /// <summary>Gets the store-assigned enqueue sequence (ascending in enqueue order); 0 before it is stored.</summary>
    public long Sequence { get; init; }

    /// <summary>Gets the status code of the last attempt.</summary>
    public int? LastStatusCode { get; init; }

    /// <summary>Gets the error of the last attempt (redacted).</summary>
    public string? LastError { get; init; }

    /// <summary>Gets a value indicating whether this was a test delivery.</summary>
    public bool IsTest { get; init; }
}

/// <summary>One attempt of a delivery.</summary>
public sealed record AttemptRecord
{
    /// <summary>Gets the tenant.</summary>
    public required string TenantId { get; init; }

    /// <summary>Gets the delivery id.</summary>
    public required string DeliveryId { get; init; }

    /// <summary>Gets the attempt number, starting at 1.</summary>
    public required int Number { get; init; }

    /// <summary>Gets when the attempt started.</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>Gets how long it took.</summary>
    public required TimeSpan Duration { get; init; }

    /// <summary>Gets the HTTP status code, when there was a response.</summary>
    public int? StatusCode { get; init; }

    /// <summary>Gets a value indicating whether the attempt succeeded.</summary>
    public required bool Success { get; init; }

    /// <summary>Gets the error text (redacted).</summary>
    public string? Error { get; init; }

    /// <summary>Gets the start of the response body (bounded).</summary>
    public string? ResponseExcerpt { get; init; }
}

/// <summary>A delivery held under a lease, with its event.</summary>
public sealed record LeasedDelivery
{
    /// <summary>Gets the delivery as it was when leased.</summary>
    public required DeliveryRecord Delivery { get; init; }

    /// <summary>Gets the event.</summary>
    public required StoredEvent Event { get; init; }

    /// <summary>Gets the token that proves the lease when completing.</summary>
    public required string LeaseToken { get; init; }

    /// <summary>Gets when the lease expires; after that the delivery is due again.</summary>
    public required DateTimeOffset LeaseExpiresAt { get; init; }
}

/// <summary>What happens to a leased delivery after an attempt (or without one).</summary>
public sealed record DeliveryCompletion
{
    /// <summary>Gets the tenant.</summary>
    public required string TenantId { get; init; }

    /// <summary>Gets the delivery id.</summary>
    public required string DeliveryId { get; init; }

    /// <summary>Gets the lease token from <see cref="LeasedDelivery.LeaseToken"/>.</summary>
    public required string LeaseToken { get; init; }

    /// <summary>Gets the attempt to record, or <see langword="null"/> to reschedule without one (rate limit, open breaker).</summary>
    public AttemptRecord? Attempt { get; init; }

    /// <summary>Gets the new status.</summary>
    public required WebhookDeliveryStatus Status { get; init; }

    /// <summary>Gets the next due time (when it stays pending).</summary>
    public DateTimeOffset DueAt { get; init; }

    /// <summary>Gets when it became final (when it is final).</summary>
    public DateTimeOffset? CompletedAt { get; init; }
}

/// <summary>A change to a destination's health after a delivery attempt.</summary>
public sealed record DestinationOutcome
{
    /// <summary>Gets the tenant.</summary>
    public required string TenantId { get; init; }

    /// <summary>Gets the destination id.</summary>
    public required string DestinationId { get; init; }

    /// <summary>Gets when it happened.</summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>Gets a value indicating whether the attempt succeeded (resets the failure counter).</summary>
    public required bool Success { get; init; }

    /// <summary>Gets the failure count at which the destination is disabled, or <see langword="null"/> never.</summary>
    public int? DisableAfterConsecutiveFailures { get; init; }

    /// <summary>Gets a reason to disable the destination now whatever the counter (for example 410 Gone).</summary>
    public string? DisableNowReason { get; init; }
}

/// <summary>The result of <see cref="IDestinationStore.RecordDestinationOutcomeAsync"/>.</summary>
/// <param name="Destination">The destination after the change.</param>
/// <param name="JustDisabled">Whether this change disabled it.</param>
public sealed record DestinationOutcomeResult(DestinationRecord Destination, bool JustDisabled);
