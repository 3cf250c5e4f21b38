using Microsoft.Extensions.Logging;

namespace Webhooks.Sdk.PostgreSql;

/// <summary>Log messages of the PostgreSQL store. Connection strings are never logged.</summary>
internal static partial class Log
{
    [LoggerMessage(5001, LogLevel.Warning, "The PostgreSQL webhook listener lost its connection or could not connect; it reconnects in {DelayMs} ms")]
    public static partial void ListenerFailed(ILogger logger, Exception exception, long delayMs);

    [LoggerMessage(5002, LogLevel.Information, "The PostgreSQL webhook listener is listening on channel {Channel}")]
    public static partial void Listening(ILogger logger, string channel);
}
