using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Webhooks.Sdk.Delivery;
using Webhooks.Sdk.Formatting;
using Webhooks.Sdk.Internal;
using Webhooks.Sdk.Storage;

namespace Webhooks.Sdk.Routing;

internal sealed class WebhookPublisher : IWebhookPublisher
{
    private static readonly WebhookPublishOptions NoOptions = new();
    private readonly WebhookCore _core;
    private readonly Shared _shared;

    public WebhookPublisher(WebhookCore core, IServiceProvider services)
        : this(core, WebhookTenant.Default, new Shared(services, new RouteTable(core.Options.DefaultSubscriptions)))
    {
    }

    private WebhookPublisher(WebhookCore core, string tenantId, Shared shared)
    {
        _core = core;
        TenantId = tenantId;
        _shared = shared;
    }

    public string TenantId { get; }

    public IWebhookPublisher ForTenant(string tenantId) => new WebhookPublisher(_core, WebhookTenant.Validate(tenantId), _shared);

    public Task<PublishResult> PublishAsync(WebhookEvent webhookEvent, CancellationToken cancellationToken = default)
        => PublishAsync(webhookEvent, NoOptions, cancellationToken);

    public async Task<PublishResult> PublishAsync(WebhookEvent webhookEvent, WebhookPublishOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var (evt, envelope) = Prepare(webhookEvent);
        if (options.Transaction is { } transaction)
        {
            CheckTransaction(transaction);
        }

        var records = await _core.Store.GetEnabledDestinationsAsync(TenantId, cancellationToken).ConfigureAwait(false);
        var targets = new List<Route>();
        foreach (var record in records)
        {
            var route = _shared.Routes.Get(record);
            if (route.Subscriptions.Matches(evt.Type))
            {
                targets.Add(route);
            }
        }

        return await EnqueueAsync(evt, envelope, targets, options.Transaction, cancellationToken).ConfigureAwait(false);
    }

    public async Task<PublishResult> EnqueueToAsync(WebhookEvent webhookEvent, IEnumerable<string> destinationIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destinationIds);
        var (evt, envelope) = Prepare(webhookEvent);
        var targets = new List<Route>();
        foreach (var id in destinationIds.Distinct(StringComparer.Ordinal))
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(id, nameof(destinationIds));
            var record = await _core.Store.GetDestinationAsync(TenantId, id, cancellationToken).ConfigureAwait(false)
                ?? throw WebhookNotFoundException.Destination(TenantId, id);
            if (!record.Enabled)
            {
                throw new InvalidOperationException($"Webhook destination '{id}' is disabled ({record.DisabledReason ?? "by hand"}); enable it before sending to it.");
            }

            var route = _shared.Routes.Get(record);
            await _core.EnsureUrlAllowedAsync(new Uri(route.Url, UriKind.Absolute), cancellationToken).ConfigureAwait(false);
            targets.Add(route);
        }

        return await EnqueueAsync(evt, envelope, targets, transaction: null, cancellationToken).ConfigureAwait(false);
    }

    private void CheckTransaction(object transaction)
    {
        if (_core.Store is IWebhookOutboxStore outbox)
        {
            outbox.ValidateTransaction(transaction);
            return;
        }

        throw new ArgumentException(
            $"WebhookPublishOptions.Transaction: the {_core.Store.GetType().Name} cannot enqueue inside your transaction, so the outbox guarantee would not hold. "
            + "Use the SQLite or PostgreSQL store (UseSqliteStore / UsePostgreSqlStore) on your application's database, or publish without a transaction.");
    }

    private (WebhookEvent Event, byte[] Envelope) Prepare(WebhookEvent webhookEvent)
    {
        ArgumentNullException.ThrowIfNull(webhookEvent);
        var errors = new List<WebhookValidationError>();
        if (string.IsNullOrWhiteSpace(webhookEvent.Type))
        {
            errors.Add(new("Type", "is required"));
        }
        else if (!Safety.WireText.IsValidType(webhookEvent.Type))
        {
            errors.Add(new("Type", $"must be 1 to {Safety.WireText.MaxNameLength} {Safety.WireText.TypeCharacters} (it is sent in a header)"));
        }
        else if (_core.Catalog is WebhookEventCatalog catalog && catalog.CheckEventType(webhookEvent.Type) is { } problem)
        {
            errors.Add(new("Type", problem));
        }

        if (webhookEvent.Id is { } id && !Safety.WireText.IsValidId(id))
        {
            errors.Add(new("Id", $"must be 1 to {Safety.WireText.MaxNameLength} {Safety.WireText.IdCharacters} (it is sent in a header and signed as part of 'id.timestamp.body')"));
        }

        if (errors.Count > 0)
        {
            throw WebhookValidationException.ForEvent(errors);
        }

        var evt = webhookEvent with
        {
            Id = webhookEvent.Id ?? Ids.NewEventId(),
            OccurredAt = webhookEvent.OccurredAt ?? _core.Time.GetUtcNow(),
        };
        var envelope = EnvelopeSerializer.Serialize(evt);
        if (envelope.Length > _core.Options.Safety.MaxPayloadBytes)
        {
            throw WebhookValidationException.ForEvent([new("Data", $"the event is {envelope.Length} bytes serialized; the limit is {_core.Options.Safety.MaxPayloadBytes} bytes (Safety.MaxPayloadBytes). Send a thin event and let the receiver fetch details.")]);
        }

        return (evt, envelope);
    }

    private async Task<PublishResult> EnqueueAsync(WebhookEvent evt, byte[] envelope, List<Route> targets, object? transaction, CancellationToken cancellationToken)
    {
        var now = _core.Time.GetUtcNow();
        var deliveries = new DeliveryRecord[targets.Count];
        var queued = new QueuedDelivery[targets.Count];
        for (var i = 0; i < targets.Count; i++)
        {
            var route = targets[i];
            deliveries[i] = new DeliveryRecord
            {
                TenantId = TenantId,
                Id = Ids.NewDeliveryId(),
                EventId = evt.Id!,
                EventType = evt.Type,
                DestinationId = route.Id,
                Status = WebhookDeliveryStatus.Pending,
                MaxAttempts = 1 + route.RetryCount,
                CreatedAt = now,
                DueAt = now,
                OrderingKey = route.Ordered ? evt.CorrelationKey : null,
            };
            queued[i] = new QueuedDelivery(deliveries[i].Id, route.Id);
        }

        if (deliveries.Length > 0)
        {
            var stored = new StoredEvent
            {
                TenantId = TenantId,
                Id = evt.Id!,
                Type = evt.Type,
                OccurredAt = evt.OccurredAt!.Value,
                Json = EventSerialization.Serialize(evt),
                TraceContext = System.Diagnostics.Activity.Current?.Id,
            };
            await _core.Store.EnqueueAsync(new EnqueueBatch { Event = stored, Deliveries = deliveries, Transaction = transaction }, cancellationToken).ConfigureAwait(false);
            _core.Events.Add(TenantId, evt, envelope);
            _core.Metrics.RecordQueued(deliveries.Length);
            _core.Signal.Notify();
            await WarnIfNothingWillSendAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            Log.NoDestinationMatched(_core.Logger, evt.Id!, evt.Type, TenantId);
        }

        Delivery.Log.Published(_core.Logger, evt.Id!, evt.Type, deliveries.Length, TenantId);
        return new PublishResult(evt.Id!, queued) { PendingCommit = transaction is not null };
    }

    /// <summary>
    /// Warns once when deliveries were queued that nothing will send: no dispatcher runs in this process (the host was
    /// never started, or <c>Dispatcher.Enabled</c> is false) and no other instance is known: the in-memory store is
    /// private to the process, and a shared store's instance registry has no live instance. Costs nothing once a
    /// dispatcher runs; the registry is asked at most until the warning is given.
    /// </summary>
    private async Task WarnIfNothingWillSendAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _shared.Warned) != 0)
        {
            return;
        }

        var dispatcher = _shared.Dispatcher ??= _shared.Services.GetServices<IHostedService>().OfType<WebhookDispatcher>().FirstOrDefault() ?? (object)"none";
        var enabled = _core.Options.Dispatcher.Enabled;
        if (enabled && dispatcher is WebhookDispatcher { ExecuteTask: { IsCompleted: false } })
        {
            return;
        }

        if (_core.Store is not InMemoryWebhookStore)
        {
            var since = _core.Time.GetUtcNow() - _core.Options.Dispatcher.LeaseDuration;
            if (await _core.Store.CountLiveInstancesAsync(since, cancellationToken).ConfigureAwait(false) > 0)
            {
                return;
            }
        }

        if (Interlocked.Exchange(ref _shared.Warned, 1) == 0)
        {
            var why = !enabled
                ? "Dispatcher.Enabled is false"
                : dispatcher is WebhookDispatcher { ExecuteTask: not null } ? "the host has stopped" : "the host was not started";
            Log.NothingWillSend(_core.Logger, why);
        }
    }

    /// <summary>State shared by the publisher and its tenant-scoped copies.</summary>
    private sealed class Shared(IServiceProvider services, RouteTable routes)
    {
        public IServiceProvider Services { get; } = services;

        public RouteTable Routes { get; } = routes;

        public object? Dispatcher { get; set; }

#pragma warning disable SA1401, CA1051 // A field so Interlocked can use it.
        public int Warned;
#pragma warning restore SA1401, CA1051
    }
}
