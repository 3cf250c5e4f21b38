using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Webhooks.Sdk.AspNetCore.Dashboard;

/// <summary>What the dashboard logs: who changed what, never a form value or a secret.</summary>
internal static partial class Log
{
    public const string Category = "Webhooks.Sdk.AspNetCore.Dashboard";

    public static ILogger For(HttpContext http) =>
        http.RequestServices.GetService<ILoggerFactory>()?.CreateLogger(Category) ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    public static void Changed(HttpContext http, string action, string destinationId, string tenantId)
    {
        var logger = For(http);
        if (logger.IsEnabled(LogLevel.Information))
        {
            Changed(logger, action, destinationId, tenantId, http.User.Identity?.Name);
        }
    }

    public static void Requeued(HttpContext http, int count, string destinationId, string tenantId)
    {
        var logger = For(http);
        if (logger.IsEnabled(LogLevel.Information))
        {
            Requeued(logger, count, destinationId, tenantId, http.User.Identity?.Name);
        }
    }

    public static void Sent(HttpContext http, PublishResult result, string eventType, string tenantId)
    {
        var logger = For(http);
        if (logger.IsEnabled(LogLevel.Information))
        {
            Sent(logger, result.EventId, eventType, tenantId, http.User.Identity?.Name, result.Deliveries.Count);
        }
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "Dashboard: {Action} destination {DestinationId} in tenant {TenantId} by {User}.")]
    private static partial void Changed(ILogger logger, string action, string destinationId, string tenantId, string? user);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Information, Message = "Dashboard: {Count} deliveries of destination {DestinationId} in tenant {TenantId} queued again by {User}.")]
    private static partial void Requeued(ILogger logger, int count, string destinationId, string tenantId, string? user);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Information, Message = "Dashboard: event {EventId} of type {EventType} sent in tenant {TenantId} by {User}: {Count} deliveries.")]
    private static partial void Sent(ILogger logger, string eventId, string eventType, string tenantId, string? user, int count);

    [LoggerMessage(EventId = 3104, Level = LogLevel.Warning, Message = "Dashboard: refused a POST to {Path} without a valid antiforgery token.")]
    public static partial void AntiforgeryRejected(ILogger logger, string path);
}
