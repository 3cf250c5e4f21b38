using Microsoft.Extensions.Logging;

namespace Webhooks.Sdk.Routing;

/// <summary>Log messages of the publisher.</summary>
internal static partial class Log
{
    [LoggerMessage(1601, LogLevel.Debug, "Event {EventId} of type {EventType} matched no enabled destination of tenant {TenantId}; nothing was queued")]
    public static partial void NoDestinationMatched(ILogger logger, string eventId, string eventType, string tenantId);

    [LoggerMessage(1602, LogLevel.Warning, "Deliveries were queued but no dispatcher runs in this process ({Why}) and no other instance is known to this store: nothing will send these deliveries. Start the host (IHost.StartAsync / app.Run) so the dispatcher runs.")]
    public static partial void NothingWillSend(ILogger logger, string why);

    [LoggerMessage(1603, LogLevel.Warning, "Delivery {DeliveryId} was written leased to this process but its dispatcher stopped before taking it, and handing it back failed; it is sent once its lease expires")]
    public static partial void HandBackFailed(ILogger logger, Exception exception, string deliveryId);
}
