using Microsoft.Extensions.Logging;

namespace Webhooks.Sdk.Safety;

internal static partial class Log
{
    [LoggerMessage(1401, LogLevel.Warning, "Refused an outbound connection to {Host}:{Port} by rule '{Rule}': {Reason}")]
    public static partial void ConnectionRefused(ILogger logger, string host, int port, string? rule, string? reason);

    [LoggerMessage(1402, LogLevel.Debug, "Opened a tunnel through the egress proxy to {Address}:{Port} for {Host}")]
    public static partial void TunnelOpened(ILogger logger, string address, int port, string host);

    [LoggerMessage(1403, LogLevel.Information, "Refused a URL with host {Host} by rule '{Rule}': {Detail}")]
    public static partial void UrlRefused(ILogger logger, string host, string? rule, string detail);
}
