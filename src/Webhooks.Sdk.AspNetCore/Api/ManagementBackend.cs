using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Primitives;

namespace Webhooks.Sdk.AspNetCore.Api;

/// <summary>The history filters of <c>GET /destinations/{id}/deliveries</c>.</summary>
internal sealed record DeliveryFilter(WebhookDeliveryStatus? Status, string? EventType, DateTimeOffset? Since, DateTimeOffset? Until, string? StatusClass)
{
    public bool Matches(WebhookDelivery d)
        => (Status is null || d.Status == Status)
            && (EventType is null || string.Equals(d.EventType, EventType, StringComparison.Ordinal))
            && (Since is null || d.CreatedAt >= Since)
            && (Until is null || d.CreatedAt < Until)
            && StatusClassMatches(d.LastStatusCode);

    private bool StatusClassMatches(int? code) => StatusClass switch
    {
        null => true,
        "none" => code is null,
        _ => code is { } c && c / 100 == StatusClass[0] - '0',
    };
}

/// <summary>
/// The one place the API meets the library's services for listing, history, stats, replay and versions: every route goes
/// through it, so the storage features (versions, filtered cursor queries, counts) are used from here alone.
/// </summary>
/// <remarks>
/// Built over the public services of the library: destination listing pages by offset behind an opaque cursor; history
/// filters, cursor paging and stats look at the destination's newest <see cref="HistoryDepth"/> deliveries; the ETag is
/// derived from the destination's last-change time, and <c>If-Match</c> is compared just before the write.
/// </remarks>
internal sealed class ManagementBackend
{
    /// <summary>How many of a destination's newest deliveries the history filters, paging and stats look at.</summary>
    public const int HistoryDepth = 1000;

    private const string DestinationCursorPrefix = "d1:";
    private const string DeliveryCursorPrefix = "h1:";

    private ManagementBackend(string tenantId, IServiceProvider services)
    {
        TenantId = tenantId;
        Destinations = services.GetRequiredService<IWebhookDestinationManager>().ForTenant(tenantId);
        Deliveries = services.GetRequiredService<IWebhookDeliveryLog>().ForTenant(tenantId);
        Publisher = services.GetRequiredService<IWebhookPublisher>().ForTenant(tenantId);
        Time = services.GetService<TimeProvider>() ?? TimeProvider.System;
    }

    public string TenantId { get; }

    public IWebhookDestinationManager Destinations { get; }

    public IWebhookDeliveryLog Deliveries { get; }

    public IWebhookPublisher Publisher { get; }

    public TimeProvider Time { get; }

    /// <summary>The backend of the request's tenant, resolved from the request (never from its body).</summary>
    public static ManagementBackend For(HttpContext context, WebhooksEndpointOptions options)
    {
        var tenant = options.TenantResolver(context);
        if (string.IsNullOrWhiteSpace(tenant) || tenant.Length > 128)
        {
            throw new InvalidOperationException("WebhooksEndpointOptions.TenantResolver returned an empty tenant id or one longer than 128 characters.");
        }

        return new ManagementBackend(tenant, context.RequestServices);
    }

    /// <summary>The strong ETag of a destination's current version.</summary>
    public static string ETagOf(WebhookDestination destination)
        => "\"" + destination.UpdatedAt.UtcTicks.ToString("x", CultureInfo.InvariantCulture) + "\"";

    /// <summary>Fails with 412 when the request carries an <c>If-Match</c> that the destination's current version does not match.</summary>
    public async Task<WebhookDestination?> CheckIfMatchAsync(HttpContext context, string id)
    {
        var ifMatch = context.Request.Headers.IfMatch;
        if (StringValues.IsNullOrEmpty(ifMatch))
        {
            return null;
        }

        var current = await Destinations.GetAsync(id, context.RequestAborted).ConfigureAwait(false);
        var etag = ETagOf(current);
        var tags = ifMatch.SelectMany(v => (v ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
        if (!tags.Any(t => t == "*" || string.Equals(t, etag, StringComparison.Ordinal)))
        {
            throw new ApiProblemException(
                StatusCodes.Status412PreconditionFailed,
                ApiProblems.Types.PreconditionFailed,
                "The destination has changed.",
                $"Destination '{id}' is at version {etag}, not the one in If-Match; read it again and repeat the change.");
        }

        return current;
    }

    public async Task<WebhooksApiPage<WebhookDestination>> ListDestinationsAsync(int limit, string? cursor, CancellationToken cancellationToken)
    {
        var skip = 0;
        if (cursor is not null)
        {
            var payload = DecodeCursor(cursor, DestinationCursorPrefix);
            if (!int.TryParse(payload, NumberStyles.None, CultureInfo.InvariantCulture, out skip))
            {
                throw InvalidCursor();
            }
        }

        var page = await Destinations.ListAsync(skip, limit, cancellationToken).ConfigureAwait(false);
        var next = skip + page.Items.Count < page.Total && page.Items.Count > 0
            ? EncodeCursor(DestinationCursorPrefix + (skip + page.Items.Count).ToString(CultureInfo.InvariantCulture))
            : null;
        return new WebhooksApiPage<WebhookDestination>(page.Items, next);
    }

    public async Task<WebhooksApiPage<WebhookDelivery>> ListDeliveriesAsync(string destinationId, DeliveryFilter filter, int limit, string? cursor, CancellationToken cancellationToken)
    {
        await Destinations.GetAsync(destinationId, cancellationToken).ConfigureAwait(false);
        string? afterId = null;
        DateTimeOffset? afterTime = null;
        if (cursor is not null)
        {
            var parts = DecodeCursor(cursor, DeliveryCursorPrefix).Split('|');
            if (parts.Length != 2 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) || parts[1].Length == 0)
            {
                throw InvalidCursor();
            }

            afterTime = new DateTimeOffset(ticks, TimeSpan.Zero);
            afterId = parts[1];
        }

        var newest = await Deliveries.ListAsync(destinationId, HistoryDepth, cancellationToken).ConfigureAwait(false);
        IEnumerable<WebhookDelivery> remaining = newest;
        if (afterId is not null)
        {
            var index = newest.ToList().FindIndex(d => d.Id == afterId);
            remaining = index >= 0 ? newest.Skip(index + 1) : newest.Where(d => d.CreatedAt < afterTime);
        }

        var matching = remaining.Where(filter.Matches).Take(limit + 1).ToList();
        string? next = null;
        if (matching.Count > limit)
        {
            matching.RemoveAt(limit);
            var last = matching[^1];
            next = EncodeCursor($"{DeliveryCursorPrefix}{last.CreatedAt.UtcTicks.ToString(CultureInfo.InvariantCulture)}|{last.Id}");
        }

        return new WebhooksApiPage<WebhookDelivery>(matching, next);
    }

    public async Task<WebhookDestinationStats> GetStatsAsync(string destinationId, DateTimeOffset since, DateTimeOffset until, CancellationToken cancellationToken)
    {
        var destination = await Destinations.GetAsync(destinationId, cancellationToken).ConfigureAwait(false);
        var inWindow = (await Deliveries.ListAsync(destinationId, HistoryDepth, cancellationToken).ConfigureAwait(false))
            .Where(d => d.CreatedAt >= since && d.CreatedAt < until)
            .ToList();
        return new WebhookDestinationStats
        {
            DestinationId = destination.Id,
            Since = since,
            Until = until,
            Total = inWindow.Count,
            Succeeded = inWindow.Count(d => d.Status == WebhookDeliveryStatus.Succeeded),
            Failed = inWindow.Count(d => d.Status == WebhookDeliveryStatus.Failed),
            Pending = inWindow.Count(d => d.Status == WebhookDeliveryStatus.Pending),
            LastSuccessAt = destination.LastSuccessAt,
            LastFailureAt = destination.LastFailureAt,
            ConsecutiveFailures = destination.ConsecutiveFailures,
        };
    }

    /// <summary>Queues again every failed delivery of the destination that failed in [since, until).</summary>
    public async Task<int> ReplayAsync(string destinationId, DateTimeOffset since, DateTimeOffset? until, CancellationToken cancellationToken)
    {
        if (until is null)
        {
            return await Deliveries.ReplayFailedAsync(destinationId, since, cancellationToken).ConfigureAwait(false);
        }

        await Destinations.GetAsync(destinationId, cancellationToken).ConfigureAwait(false);
        var failed = (await Deliveries.ListAsync(destinationId, HistoryDepth, cancellationToken).ConfigureAwait(false))
            .Where(d => d.Status == WebhookDeliveryStatus.Failed && !d.IsTest && d.CompletedAt >= since && d.CompletedAt < until)
            .Reverse()
            .ToList();
        var queued = 0;
        foreach (var delivery in failed)
        {
            try
            {
                await Deliveries.RedeliverAsync(delivery.Id, cancellationToken).ConfigureAwait(false);
                queued++;
            }
            catch (InvalidOperationException)
            {
                // Queued again meanwhile (by the dispatcher or another replay): nothing to do for this one.
            }
            catch (WebhookNotFoundException)
            {
                // Purged meanwhile.
            }
        }

        return queued;
    }

    private static string EncodeCursor(string payload) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload));

    private static string DecodeCursor(string cursor, string prefix)
    {
        string text;
        try
        {
            text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
        }
        catch (FormatException)
        {
            throw InvalidCursor();
        }

        return text.StartsWith(prefix, StringComparison.Ordinal) ? text[prefix.Length..] : throw InvalidCursor();
    }

    private static ApiProblemException InvalidCursor() => ApiProblemException.Invalid("cursor", "is not a cursor this list returned");
}
