using Microsoft.Extensions.Logging;

namespace Webhooks.Sdk.DependencyInjection;

/// <summary>Log messages of start-up (destinations declared in configuration).</summary>
internal static partial class StartupLog
{
    [LoggerMessage(1701, LogLevel.Warning, "{Destination} declared in configuration could not be applied (attempt {Attempt}); the host starts and it is retried in the background: {Error}")]
    public static partial void ConfiguredDestinationDeferred(ILogger logger, Exception exception, string destination, int attempt, string error);

    [LoggerMessage(1702, LogLevel.Information, "{Destination} declared in configuration was applied on attempt {Attempt}")]
    public static partial void ConfiguredDestinationApplied(ILogger logger, string destination, int attempt);

    [LoggerMessage(1703, LogLevel.Error, "A destination declared in configuration is refused and is no longer retried: {Error}")]
    public static partial void ConfiguredDestinationRefused(ILogger logger, string error);
}
