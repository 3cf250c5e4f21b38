using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Webhooks.Sdk.Delivery;
using Webhooks.Sdk.Destinations;
using Webhooks.Sdk.Storage;

namespace Webhooks.Sdk.Diagnostics;

/// <summary>
/// Raises the operational moments: calls every <see cref="IWebhookObserver"/> and publishes the matching
/// <see cref="WebhookOperationalEvents"/> event through the library, to the destinations that subscribe to it by name,
/// never to the destination it is about. A delivery of an operational event raises no delivery event (no loops).
/// Nothing here throws: a failing observer or publish is logged and delivery goes on.
/// </summary>
internal sealed class OperationalEvents
{
    private readonly IWebhookPublisher _publisher;
    private readonly IEnumerable<IWebhookObserver> _observers;
    private readonly WebhookOperationalEventOptions _options;
    private readonly ILogger _logger;

    public OperationalEvents(IWebhookPublisher publisher, IEnumerable<IWebhookObserver> observers, IOptions<WebhooksOptions> options, ILogger<OperationalEvents> logger)
    {
        _publisher = publisher;
        _observers = observers;
        _options = options.Value.OperationalEvents;
        _logger = logger;
    }

    /// <summary>Gets after how many failed attempts a delivery is reported failing.</summary>
    public int FailingAfterAttempts => _options.FailingAfterAttempts;

    public Task DestinationCreatedAsync(WebhookDestination destination, CancellationToken cancellationToken)
        => RaiseAsync(WebhookOperationalEvents.DestinationCreated, destination, (o, d, ct) => o.OnDestinationCreatedAsync(d, ct), cancellationToken);

    public Task DestinationUpdatedAsync(WebhookDestination destination, CancellationToken cancellationToken)
        => RaiseAsync(WebhookOperationalEvents.DestinationUpdated, destination, (o, d, ct) => o.OnDestinationUpdatedAsync(d, ct), cancellationToken);

    public Task DestinationDeletedAsync(WebhookDestination destination, CancellationToken cancellationToken)
        => RaiseAsync(WebhookOperationalEvents.DestinationDeleted, destination, (o, d, ct) => o.OnDestinationDeletedAsync(d, ct), cancellationToken);

    public Task DestinationEnabledAsync(WebhookDestination destination, CancellationToken cancellationToken)
        => RaiseAsync(WebhookOperationalEvents.DestinationEnabled, destination, (o, d, ct) => o.OnDestinationEnabledAsync(d, ct), cancellationToken);

    public Task DestinationDisabledAsync(WebhookDestination destination, CancellationToken cancellationToken)
        => RaiseAsync(WebhookOperationalEvents.DestinationDisabled, destination, (o, d, ct) => o.OnDestinationDisabledAsync(d, ct), cancellationToken);

    public Task DeliveryFailingAsync(string tenantId, WebhookDelivery delivery, CancellationToken cancellationToken)
        => RaiseAsync(WebhookOperationalEvents.DeliveryFailing, tenantId, delivery, (o, d, ct) => o.OnDeliveryFailingAsync(d, ct), cancellationToken);

    public Task DeliveryExhaustedAsync(string tenantId, WebhookDelivery delivery, CancellationToken cancellationToken)
        => RaiseAsync(WebhookOperationalEvents.DeliveryExhausted, tenantId, delivery, (o, d, ct) => o.OnDeliveryFailedAsync(d, ct), cancellationToken);

    public Task DeliveryRecoveredAsync(string tenantId, WebhookDelivery delivery, CancellationToken cancellationToken)
        => RaiseAsync(WebhookOperationalEvents.DeliveryRecovered, tenantId, delivery, (o, d, ct) => o.OnDeliveryRecoveredAsync(d, ct), cancellationToken);

    /// <summary>
    /// Whether a destination receives an event type: by its subscriptions, except that an operational event needs a
    /// subscription that names it (exact or prefix), not the catch-all <c>*</c>.
    /// </summary>
    public static bool Receives(DestinationRuntime destination, string eventType)
        => WebhookOperationalEvents.IsOperational(eventType)
            ? destination.Subscriptions.MatchesByName(eventType)
            : destination.Subscriptions.Matches(eventType);

    /// <summary>The routing rule of one publish: the subscriptions, and never the destination an operational event is about.</summary>
    public static bool Accepts(WebhookPublishOptions options, DestinationRuntime destination, string eventType)
        => Receives(destination, eventType) && !string.Equals(options.AboutDestinationId, destination.Id, StringComparison.Ordinal);

    private async Task RaiseAsync(string type, WebhookDestination destination, Func<IWebhookObserver, WebhookDestination, CancellationToken, ValueTask> call, CancellationToken cancellationToken)
    {
        await NotifyAsync(destination, call, cancellationToken).ConfigureAwait(false);
        var data = new WebhookDestinationEventData
        {
            TenantId = destination.TenantId,
            DestinationId = destination.Id,
            Name = destination.Name,
            Format = destination.Format,
            Enabled = destination.Enabled,
            DisabledReason = destination.DisabledReason,
        };
        await PublishAsync(destination.TenantId, type, destination.Id, JsonSerializer.SerializeToElement(data, WebhookOperationalEvents.JsonOptions), $"Webhook destination {destination.Name}: {type["webhooks.destination.".Length..]}", cancellationToken).ConfigureAwait(false);
    }

    private async Task RaiseAsync(string type, string tenantId, WebhookDelivery delivery, Func<IWebhookObserver, WebhookDelivery, CancellationToken, ValueTask> call, CancellationToken cancellationToken)
    {
        if (WebhookOperationalEvents.IsOperational(delivery.EventType) || delivery.IsTest)
        {
            // A delivery of an operational event raises nothing: a failing operational destination cannot start a loop.
            return;
        }

        await NotifyAsync(delivery, call, cancellationToken).ConfigureAwait(false);
        var data = new WebhookDeliveryEventData
        {
            TenantId = tenantId,
            DeliveryId = delivery.Id,
            EventId = delivery.EventId,
            EventType = delivery.EventType,
            DestinationId = delivery.DestinationId,
            Attempts = delivery.AttemptCount,
            LastStatusCode = delivery.LastStatusCode,
            LastError = delivery.LastError,
            NextAttemptAt = delivery.NextAttemptAt,
        };
        await PublishAsync(data.TenantId, type, delivery.DestinationId, JsonSerializer.SerializeToElement(data, WebhookOperationalEvents.JsonOptions), $"Webhook delivery {delivery.Id} of {delivery.EventType}: {type["webhooks.delivery.".Length..]}", cancellationToken).ConfigureAwait(false);
    }

    private async Task NotifyAsync<T>(T subject, Func<IWebhookObserver, T, CancellationToken, ValueTask> call, CancellationToken cancellationToken)
    {
        foreach (var observer in _observers)
        {
            try
            {
                await call(observer, subject, cancellationToken).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // An observer's failure must not stop delivery.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Delivery.Log.ObserverFailed(_logger, ex);
            }
        }
    }

    private async Task PublishAsync(string tenantId, string type, string aboutDestinationId, JsonElement data, string title, CancellationToken cancellationToken)
    {
        if (!_options.Enabled)
        {
            return;
        }

        try
        {
            var evt = new WebhookEvent
            {
                Type = type,
                Data = data,
                Title = title,
                Severity = type is WebhookOperationalEvents.DeliveryRecovered or WebhookOperationalEvents.DestinationEnabled or WebhookOperationalEvents.DestinationCreated or WebhookOperationalEvents.DestinationUpdated
                    ? WebhookSeverity.Info
                    : type is WebhookOperationalEvents.DestinationDeleted ? WebhookSeverity.Warning : WebhookSeverity.Error,
                Source = "webhooks",
                Subject = aboutDestinationId,
            };
            await _publisher.ForTenant(tenantId).PublishAsync(evt, new WebhookPublishOptions { AboutDestinationId = aboutDestinationId }, cancellationToken).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // An operational event that cannot be published is logged; the operation it reports stands.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.OperationalEventFailed(_logger, ex, type, aboutDestinationId);
        }
    }
}
