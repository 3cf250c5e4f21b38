using Webhooks.Sdk.Delivery;
using Webhooks.Sdk.Destinations;
using Webhooks.Sdk.Formatting;
using Webhooks.Sdk.Internal;
using Webhooks.Sdk.Storage;

namespace Webhooks.Sdk.Routing;

internal sealed class WebhookPublisher : IWebhookPublisher
{
    private static readonly WebhookPublishOptions NoOptions = new();
    private readonly WebhookCore _core;

    public WebhookPublisher(WebhookCore core)
        : this(core, WebhookTenant.Default)
    {
    }

    private WebhookPublisher(WebhookCore core, string tenantId)
    {
        _core = core;
        TenantId = tenantId;
    }

    public string TenantId { get; }

    public IWebhookPublisher ForTenant(string tenantId) => new WebhookPublisher(_core, WebhookTenant.Validate(tenantId));

    public Task<PublishResult> PublishAsync(WebhookEvent webhookEvent, CancellationToken cancellationToken = default)
        => PublishAsync(webhookEvent, NoOptions, cancellationToken);

    public async Task<PublishResult> PublishAsync(WebhookEvent webhookEvent, WebhookPublishOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var (evt, envelope) = Prepare(webhookEvent);
        var records = await _core.Store.GetEnabledDestinationsAsync(TenantId, cancellationToken).ConfigureAwait(false);
        var targets = new List<DestinationRuntime>();
        foreach (var record in records)
        {
            var destination = _core.Mapper.ToRuntime(record);
            if (destination.Accepts(evt))
            {
                targets.Add(destination);
            }
        }

        return await EnqueueAsync(evt, envelope, targets, options.Transaction, cancellationToken).ConfigureAwait(false);
    }

    public async Task<PublishResult> SendAsync(WebhookEvent webhookEvent, IEnumerable<string> destinationIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destinationIds);
        var (evt, envelope) = Prepare(webhookEvent);
        var targets = new List<DestinationRuntime>();
        foreach (var id in destinationIds.Distinct(StringComparer.Ordinal))
        {
            var destination = await _core.GetRuntimeAsync(TenantId, id, cancellationToken).ConfigureAwait(false);
            if (!destination.Record.Enabled)
            {
                throw new InvalidOperationException($"Webhook destination '{id}' is disabled ({destination.Record.DisabledReason ?? "by hand"}); enable it before sending to it.");
            }

            await _core.EnsureUrlAllowedAsync(destination.Url, cancellationToken).ConfigureAwait(false);
            targets.Add(destination);
        }

        return await EnqueueAsync(evt, envelope, targets, transaction: null, cancellationToken).ConfigureAwait(false);
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

        if (webhookEvent.Id is { } id && !Safety.WireText.IsValidId(id))
        {
            errors.Add(new("Id", $"must be 1 to {Safety.WireText.MaxNameLength} {Safety.WireText.IdCharacters} (it is sent in a header and signed as part of 'id.timestamp.body')"));
        }

        if (errors.Count > 0)
        {
            throw new WebhookValidationException(errors);
        }

        var evt = webhookEvent with
        {
            Id = webhookEvent.Id ?? Ids.NewEventId(),
            OccurredAt = webhookEvent.OccurredAt ?? _core.Time.GetUtcNow(),
        };
        var envelope = EnvelopeSerializer.Serialize(evt);
        if (envelope.Length > _core.Options.Safety.MaxPayloadBytes)
        {
            throw new WebhookValidationException([new("Data", $"the event is {envelope.Length} bytes serialized; the limit is {_core.Options.Safety.MaxPayloadBytes} bytes (Safety.MaxPayloadBytes). Send a thin event and let the receiver fetch details.")]);
        }

        return (evt, envelope);
    }

    private async Task<PublishResult> EnqueueAsync(WebhookEvent evt, byte[] envelope, List<DestinationRuntime> targets, object? transaction, CancellationToken cancellationToken)
    {
        var now = _core.Time.GetUtcNow();
        var deliveries = new DeliveryRecord[targets.Count];
        var queued = new QueuedDelivery[targets.Count];
        for (var i = 0; i < targets.Count; i++)
        {
            var destination = targets[i];
            var ordered = destination.Config.OrderedDelivery || destination.Config.Correlation is not null;
            deliveries[i] = new DeliveryRecord
            {
                TenantId = TenantId,
                Id = Ids.NewDeliveryId(),
                EventId = evt.Id!,
                EventType = evt.Type,
                DestinationId = destination.Id,
                Status = WebhookDeliveryStatus.Pending,
                MaxAttempts = 1 + destination.Config.RetryCount,
                CreatedAt = now,
                DueAt = now,
                OrderingKey = ordered ? evt.CorrelationKey : null,
            };
            queued[i] = new QueuedDelivery(deliveries[i].Id, destination.Id);
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
        }

        Delivery.Log.Published(_core.Logger, evt.Id!, evt.Type, deliveries.Length, TenantId);
        return new PublishResult(evt.Id!, queued);
    }
}
