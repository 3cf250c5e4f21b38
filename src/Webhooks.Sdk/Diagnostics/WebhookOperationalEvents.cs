using System.Text.Json;
using System.Text.Json.Serialization;

namespace Webhooks.Sdk;

/// <summary>
/// The operational events the library publishes about itself. They are in the event-type catalogue, and a destination
/// receives them when it subscribes to them by name (<c>webhooks.*</c>, <c>webhooks.delivery.*</c> or an exact type):
/// the catch-all subscription <c>*</c> does not include them. A destination never receives an operational event about
/// itself, and deliveries of operational events raise none, so they cannot loop.
/// </summary>
public static class WebhookOperationalEvents
{
    // Declared first: the definitions below serialize their examples with it during static initialization.
    internal static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary>The prefix of every operational event type.</summary>
    public const string Prefix = "webhooks.";

    /// <summary>A destination was created. Data: <see cref="WebhookDestinationEventData"/>.</summary>
    public const string DestinationCreated = "webhooks.destination.created";

    /// <summary>A destination's settings were changed. Data: <see cref="WebhookDestinationEventData"/>.</summary>
    public const string DestinationUpdated = "webhooks.destination.updated";

    /// <summary>A destination was deleted. Data: <see cref="WebhookDestinationEventData"/> as it was before.</summary>
    public const string DestinationDeleted = "webhooks.destination.deleted";

    /// <summary>A destination was disabled, by hand or automatically; the data says why. Data: <see cref="WebhookDestinationEventData"/>.</summary>
    public const string DestinationDisabled = "webhooks.destination.disabled";

    /// <summary>A destination was enabled. Data: <see cref="WebhookDestinationEventData"/>.</summary>
    public const string DestinationEnabled = "webhooks.destination.enabled";

    /// <summary>A delivery failed <c>OperationalEvents.FailingAfterAttempts</c> attempts and will be retried. Data: <see cref="WebhookDeliveryEventData"/>.</summary>
    public const string DeliveryFailing = "webhooks.delivery.failing";

    /// <summary>A delivery failed for good (retries exhausted or 410 Gone) and is dead-lettered. Data: <see cref="WebhookDeliveryEventData"/>.</summary>
    public const string DeliveryExhausted = "webhooks.delivery.exhausted";

    /// <summary>A delivery that was reported failing succeeded. Data: <see cref="WebhookDeliveryEventData"/>.</summary>
    public const string DeliveryRecovered = "webhooks.delivery.recovered";

    /// <summary>Gets the catalogue entries of the operational events, with their descriptions and example payloads.</summary>
    public static IReadOnlyList<EventTypeDefinition> Definitions { get; } = BuildDefinitions();

    /// <summary>Gets a value indicating whether an event type is an operational event.</summary>
    /// <param name="eventType">The event type.</param>
    /// <returns><see langword="true"/> for <c>webhooks.*</c> types.</returns>
    public static bool IsOperational(string eventType) => eventType is not null && eventType.StartsWith(Prefix, StringComparison.Ordinal);

    private static EventTypeDefinition[] BuildDefinitions()
    {
        var destination = new WebhookDestinationEventData { TenantId = "default", DestinationId = "dst_01", Name = "On-call", Format = "pagerduty", Enabled = false, DisabledReason = "50 consecutive failed attempts." };
        var delivery = new WebhookDeliveryEventData { TenantId = "default", DeliveryId = "dlv_01", EventId = "evt_01", EventType = "order.created", DestinationId = "dst_01", Attempts = 3, LastStatusCode = 503, LastError = "HTTP 503 Service Unavailable", NextAttemptAt = new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero) };
        JsonElement D(WebhookDestinationEventData d) => JsonSerializer.SerializeToElement(d, JsonOptions);
        JsonElement L(WebhookDeliveryEventData d) => JsonSerializer.SerializeToElement(d, JsonOptions);
        return
        [
            new(DestinationCreated, "A webhook destination was created.", D(destination with { Enabled = true, DisabledReason = null })),
            new(DestinationUpdated, "A webhook destination's settings were changed.", D(destination with { Enabled = true, DisabledReason = null })),
            new(DestinationDeleted, "A webhook destination was deleted (the data is the destination as it was).", D(destination with { Enabled = true, DisabledReason = null })),
            new(DestinationDisabled, "A webhook destination was disabled, by hand or automatically (too many failures, 410 Gone); disabledReason says why.", D(destination)),
            new(DestinationEnabled, "A webhook destination was enabled.", D(destination with { Enabled = true, DisabledReason = null })),
            new(DeliveryFailing, "A delivery has failed several attempts in a row and will be retried.", L(delivery)),
            new(DeliveryExhausted, "A delivery failed for good (retries exhausted or the destination answered 410 Gone) and is dead-lettered.", L(delivery with { Attempts = 4, NextAttemptAt = null })),
            new(DeliveryRecovered, "A delivery that was reported failing has now succeeded.", L(delivery with { Attempts = 5, LastStatusCode = 200, LastError = null, NextAttemptAt = null })),
        ];
    }
}

/// <summary>The data of the <c>webhooks.destination.*</c> events. It carries no URL (a URL can hold a credential) and no secret.</summary>
public sealed record WebhookDestinationEventData
{
    /// <summary>Gets the tenant of the destination.</summary>
    public required string TenantId { get; init; }

    /// <summary>Gets the destination id.</summary>
    public required string DestinationId { get; init; }

    /// <summary>Gets the destination's name.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the destination's format.</summary>
    public required string Format { get; init; }

    /// <summary>Gets a value indicating whether the destination is enabled.</summary>
    public required bool Enabled { get; init; }

    /// <summary>Gets why the destination is disabled, when it is.</summary>
    public string? DisabledReason { get; init; }
}

/// <summary>The data of the <c>webhooks.delivery.*</c> events.</summary>
public sealed record WebhookDeliveryEventData
{
    /// <summary>Gets the tenant.</summary>
    public required string TenantId { get; init; }

    /// <summary>Gets the delivery id.</summary>
    public required string DeliveryId { get; init; }

    /// <summary>Gets the id of the event being delivered.</summary>
    public required string EventId { get; init; }

    /// <summary>Gets the type of the event being delivered.</summary>
    public required string EventType { get; init; }

    /// <summary>Gets the destination id.</summary>
    public required string DestinationId { get; init; }

    /// <summary>Gets how many attempts were made so far.</summary>
    public required int Attempts { get; init; }

    /// <summary>Gets the status code of the last attempt, when there was a response.</summary>
    public int? LastStatusCode { get; init; }

    /// <summary>Gets the error of the last attempt (redacted), when it failed.</summary>
    public string? LastError { get; init; }

    /// <summary>Gets when the next attempt is due, for <c>webhooks.delivery.failing</c>.</summary>
    public DateTimeOffset? NextAttemptAt { get; init; }
}
