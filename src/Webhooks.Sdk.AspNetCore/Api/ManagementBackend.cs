using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Primitives;

namespace Webhooks.Sdk.AspNetCore.Api;

/// <summary>The history filters of <c>GET /destinations/{id}/deliveries</c>.</summary>
internal sealed record DeliveryFilter(WebhookDeliveryStatus? Status, string? EventType, DateTimeOffset? Since, DateTimeOffset? Until, WebhookStatusCodeClass? StatusClass);

/// <summary>
/// The one place the API meets the library's services for listing, history, stats, replay and versions: every route goes
/// through it, so the storage features (versions, filtered cursor queries, counts) are used from here alone.
/// </summary>
/// <remarks>
/// Listing and history use the library's cursor queries (no depth limit), stats its counts. The ETag is the
/// destination's configuration version (its last configuration change, which health writes do not move);
/// <c>If-Match</c> is compared when the request arrives, and the version it named is passed to the write (update,
/// enable, disable, rotate, delete), whose store-side check refuses a change that raced in between
/// (<see cref="WebhookConcurrencyException"/>, answered 412).
/// </remarks>
internal sealed class ManagementBackend
{
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

    /// <summary>The strong ETag of a destination: its configuration version (<see cref="WebhookDestination.Version"/>).</summary>
    public static string ETagOf(WebhookDestination destination)
        => "\"" + destination.Version.ToString(CultureInfo.InvariantCulture) + "\"";

    /// <summary>
    /// Fails with 412 when the request carries an <c>If-Match</c> that the destination's current version does not
    /// match. Returns the destination read for the check (or <see langword="null"/> without <c>If-Match</c>); its
    /// <see cref="WebhookDestination.Version"/> is what the write must still find (<see cref="WebhookDestinationUpdate.ExpectedVersion"/>), so a
    /// change that lands between this check and the write makes the write fail rather than win.
    /// </summary>
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

    /// <summary>Enables a destination; with a version (from <c>If-Match</c>) the store's write checks it.</summary>
    public Task<WebhookDestination> EnableAsync(string id, long? expectedVersion, CancellationToken cancellationToken)
        => Destinations is Destinations.IVersionedDestinationActions versioned && expectedVersion is not null
            ? versioned.EnableAsync(id, expectedVersion, cancellationToken)
            : Destinations.EnableAsync(id, cancellationToken);

    /// <summary>Disables a destination; with a version (from <c>If-Match</c>) the store's write checks it.</summary>
    public Task<WebhookDestination> DisableAsync(string id, string? reason, long? expectedVersion, CancellationToken cancellationToken)
        => Destinations is Destinations.IVersionedDestinationActions versioned && expectedVersion is not null
            ? versioned.DisableAsync(id, reason, expectedVersion, cancellationToken)
            : Destinations.DisableAsync(id, reason, cancellationToken);

    /// <summary>Deletes a destination; with a version (from <c>If-Match</c>) a versioned write precedes the delete.</summary>
    public Task DeleteAsync(string id, long? expectedVersion, CancellationToken cancellationToken)
        => Destinations is Destinations.IVersionedDestinationActions versioned && expectedVersion is not null
            ? versioned.DeleteAsync(id, expectedVersion, cancellationToken)
            : Destinations.DeleteAsync(id, cancellationToken);

    /// <summary>Rotates a destination's secret; with a version (from <c>If-Match</c>) the store's write checks it.</summary>
    public Task<WebhookSecretRotation> RotateSecretAsync(string id, string? secret, TimeSpan? overlap, long? expectedVersion, CancellationToken cancellationToken)
        => Destinations is Destinations.IVersionedDestinationActions versioned && expectedVersion is not null
            ? versioned.RotateSecretAsync(id, secret, overlap, expectedVersion, cancellationToken)
            : Destinations.RotateSecretAsync(id, secret, overlap, cancellationToken);

    public async Task<WebhooksApiPage<WebhookDestination>> ListDestinationsAsync(int limit, string? cursor, CancellationToken cancellationToken)
    {
        var page = await WithCursor(() => Destinations.ListAsync(new WebhookDestinationListQuery { Limit = limit, Cursor = cursor }, cancellationToken)).ConfigureAwait(false);
        return new WebhooksApiPage<WebhookDestination>(page.Items, page.NextCursor);
    }

    public async Task<WebhooksApiPage<WebhookDelivery>> ListDeliveriesAsync(string destinationId, DeliveryFilter filter, int limit, string? cursor, CancellationToken cancellationToken)
    {
        await Destinations.GetAsync(destinationId, cancellationToken).ConfigureAwait(false);
        var query = new WebhookDeliveryQuery
        {
            DestinationId = destinationId,
            Status = filter.Status,
            EventType = filter.EventType,
            Since = filter.Since,
            Until = filter.Until,
            StatusCodeClass = filter.StatusClass,
            Limit = limit,
            Cursor = cursor,
        };
        var page = await WithCursor(() => Deliveries.QueryAsync(query, cancellationToken)).ConfigureAwait(false);
        return new WebhooksApiPage<WebhookDelivery>(page.Items, page.NextCursor);
    }

    public async Task<WebhookDestinationStats> GetStatsAsync(string destinationId, DateTimeOffset since, DateTimeOffset until, CancellationToken cancellationToken)
    {
        var destination = await Destinations.GetAsync(destinationId, cancellationToken).ConfigureAwait(false);
        var counts = await Deliveries.CountAsync(destinationId, since, until, cancellationToken).ConfigureAwait(false);
        return new WebhookDestinationStats
        {
            DestinationId = destination.Id,
            Since = since,
            Until = until,
            Total = counts.Pending + counts.Succeeded + counts.Failed,
            Succeeded = counts.Succeeded,
            Failed = counts.Failed,
            Pending = counts.Pending,
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

        // A delivery that failed before 'until' was created before it: walk those, keep the ones that failed in the window.
        await Destinations.GetAsync(destinationId, cancellationToken).ConfigureAwait(false);
        var failed = new List<WebhookDelivery>();
        string? cursor = null;
        do
        {
            var page = await Deliveries.QueryAsync(
                new WebhookDeliveryQuery { DestinationId = destinationId, Status = WebhookDeliveryStatus.Failed, Until = until, Limit = 1000, Cursor = cursor },
                cancellationToken).ConfigureAwait(false);
            failed.AddRange(page.Items.Where(d => !d.IsTest && d.CompletedAt >= since && d.CompletedAt < until));
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        var queued = 0;
        foreach (var delivery in Enumerable.Reverse(failed))
        {
            try
            {
                await Deliveries.RedeliverAsync(delivery.Id, cancellationToken).ConfigureAwait(false);
                queued++;
            }
            catch (InvalidOperationException)
            {
                // Queued again meanwhile (by another replay or a redelivery): nothing to do for this one.
            }
            catch (WebhookNotFoundException)
            {
                // Purged meanwhile.
            }
        }

        return queued;
    }

    private static async Task<T> WithCursor<T>(Func<Task<T>> query)
    {
        try
        {
            return await query().ConfigureAwait(false);
        }
        catch (ArgumentException exception) when (exception.ParamName == "cursor")
        {
            throw InvalidCursor();
        }
    }

    private static ApiProblemException InvalidCursor() => ApiProblemException.Invalid("cursor", "is not a cursor this list returned");
}
