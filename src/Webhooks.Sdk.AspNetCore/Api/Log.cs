using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Webhooks.Sdk.AspNetCore.Api;

/// <summary>What the management API logs: who changed what, never a body or a secret.</summary>
internal static partial class Log
{
    public const string Category = "Webhooks.Sdk.AspNetCore.Api";

    public static void DestinationChanged(ILogger logger, string action, string destinationId, string tenantId, HttpContext http)
    {
        DestinationChanged(logger, action, destinationId, tenantId, http.User.Identity?.Name);
    }

    public static void SecretRotated(ILogger logger, string destinationId, string tenantId, HttpContext http)
    {
        SecretRotated(logger, destinationId, tenantId, http.User.Identity?.Name);
    }

    public static void Requeued(ILogger logger, int count, string destinationId, string tenantId, HttpContext http)
    {
        Requeued(logger, count, destinationId, tenantId, http.User.Identity?.Name);
    }

    public static void Published(ILogger logger, string eventId, string eventType, string tenantId, HttpContext http, int count)
    {
        Published(logger, eventId, eventType, tenantId, http.User.Identity?.Name, count);
    }

    public static void Refused(ILogger logger, HttpContext http, int status, string type)
    {
        Refused(logger, http.Request.Method, http.Request.Path.Value, status, type);
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Management API: {Action} destination {DestinationId} in tenant {TenantId} by {User}.")]
    private static partial void DestinationChanged(ILogger logger, string action, string destinationId, string tenantId, string? user);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Management API: signing secret of destination {DestinationId} in tenant {TenantId} rotated by {User}.")]
    private static partial void SecretRotated(ILogger logger, string destinationId, string tenantId, string? user);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Information, Message = "Management API: {Count} deliveries of destination {DestinationId} in tenant {TenantId} queued again by {User}.")]
    private static partial void Requeued(ILogger logger, int count, string destinationId, string tenantId, string? user);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Information, Message = "Management API: event {EventId} of type {EventType} published in tenant {TenantId} by {User}: {Count} deliveries.")]
    private static partial void Published(ILogger logger, string eventId, string eventType, string tenantId, string? user, int count);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Debug, Message = "Management API: refused {Method} {Path} with {Status} ({Type}).")]
    private static partial void Refused(ILogger logger, string method, string? path, int status, string type);
}
