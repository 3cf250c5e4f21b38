using Microsoft.Extensions.Logging;

namespace Webhooks.Sdk.Diagnostics;

/// <summary>Log messages of the diagnostics area.</summary>
internal static partial class Log
{
    [LoggerMessage(1401, LogLevel.Warning, "The operational event {EventType} about destination {DestinationId} could not be published")]
    public static partial void OperationalEventFailed(ILogger logger, Exception exception, string eventType, string destinationId);
}
