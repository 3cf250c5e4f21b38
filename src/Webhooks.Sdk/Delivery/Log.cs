using Microsoft.Extensions.Logging;

namespace Webhooks.Sdk.Delivery;

/// <summary>Log messages of delivery. URLs are logged without query strings; no header value is ever logged.</summary>
internal static partial class Log
{
    [LoggerMessage(1001, LogLevel.Debug, "Delivery {DeliveryId} to destination {DestinationId} succeeded with {StatusCode} on attempt {Attempt} in {DurationMs} ms")]
    public static partial void DeliverySucceeded(ILogger logger, string deliveryId, string destinationId, int? statusCode, int attempt, long durationMs);

    [LoggerMessage(1002, LogLevel.Information, "Delivery {DeliveryId} to destination {DestinationId} ({Url}) failed on attempt {Attempt} ({StatusCode}): {Error}; next attempt at {NextAttemptAt:o}")]
    public static partial void DeliveryWillRetry(ILogger logger, string deliveryId, string destinationId, string url, int attempt, int? statusCode, string? error, DateTimeOffset nextAttemptAt);

    [LoggerMessage(1003, LogLevel.Warning, "Delivery {DeliveryId} to destination {DestinationId} ({Url}) failed for good after {Attempt} attempt(s) ({StatusCode}): {Error}")]
    public static partial void DeliveryFailed(ILogger logger, string deliveryId, string destinationId, string url, int attempt, int? statusCode, string? error);

    [LoggerMessage(1004, LogLevel.Warning, "Destination {DestinationId} of tenant {TenantId} was disabled: {Reason}")]
    public static partial void DestinationDisabled(ILogger logger, string destinationId, string tenantId, string reason);

    [LoggerMessage(1005, LogLevel.Error, "The webhook store failed; the dispatcher retries in {DelayMs} ms")]
    public static partial void StoreFailed(ILogger logger, Exception exception, long delayMs);

    [LoggerMessage(1006, LogLevel.Error, "Processing delivery {DeliveryId} failed unexpectedly; it becomes due again when its lease expires")]
    public static partial void ProcessingFailed(ILogger logger, Exception exception, string deliveryId);

    [LoggerMessage(1007, LogLevel.Debug, "Delivery {DeliveryId} postponed to {DueAt:o}: {Why}")]
    public static partial void DeliveryPostponed(ILogger logger, string deliveryId, DateTimeOffset dueAt, string why);

    [LoggerMessage(1008, LogLevel.Warning, "A webhook observer failed")]
    public static partial void ObserverFailed(ILogger logger, Exception exception);

    [LoggerMessage(1009, LogLevel.Warning, "Unsafe development setting is on: {Setting}. Do not use it in production.")]
    public static partial void UnsafeSetting(ILogger logger, string setting);

    [LoggerMessage(1010, LogLevel.Information, "Purged {Count} deliveries older than {Cutoff:o} from history")]
    public static partial void Purged(ILogger logger, int count, DateTimeOffset cutoff);

    [LoggerMessage(1011, LogLevel.Debug, "Published event {EventId} of type {EventType} to {Count} destination(s) of tenant {TenantId}")]
    public static partial void Published(ILogger logger, string eventId, string eventType, int count, string tenantId);

    [LoggerMessage(1012, LogLevel.Warning, "Delivery {DeliveryId}'s lease was lost before it completed; another dispatcher may send it again")]
    public static partial void LeaseLost(ILogger logger, string deliveryId);

    [LoggerMessage(1013, LogLevel.Warning, "Delivery {DeliveryId} to destination {DestinationId}: the attempt could not be made; it counts as a failed attempt")]
    public static partial void AttemptPreparationFailed(ILogger logger, Exception exception, string deliveryId, string destinationId);

    [LoggerMessage(1014, LogLevel.Error, "Destination {DestinationId} of tenant {TenantId} cannot be read; its deliveries fail with the reason, other destinations go on")]
    public static partial void DestinationUnreadable(ILogger logger, Exception exception, string destinationId, string tenantId);

    [LoggerMessage(1015, LogLevel.Debug, "Renewed {Count} lease(s) of attempts still running")]
    public static partial void LeasesRenewed(ILogger logger, int count);
}
