using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Webhooks.Sdk.Delivery;
using Webhooks.Sdk.Destinations;
using Webhooks.Sdk.Diagnostics;
using Webhooks.Sdk.Formatting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Webhooks.Sdk.Internal;
using Webhooks.Sdk.Storage;

namespace Webhooks.Sdk.Routing;

internal sealed class WebhookPublisher : IWebhookPublisher
{
    private static readonly WebhookPublishOptions NoOptions = new();
    private readonly IWebhookStore _store;
    private readonly DestinationMapper _mapper;
    private readonly DestinationSnapshots _destinations;
    private readonly IWebhookUrlPolicy _urlPolicy;
    private readonly EventCache _events;
    private readonly DispatchSignal _signal;
    private readonly WebhookMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly WebhooksOptions _options;
    private readonly ILogger _logger;
    private readonly IWebhookEventCatalog _catalog;
    private readonly Shared _shared;
    private readonly DispatchBuffer _handOff;

    public WebhookPublisher(
        IWebhookStore store,
        DestinationMapper mapper,
        DestinationSnapshots destinations,
        IWebhookUrlPolicy urlPolicy,
        EventCache events,
        DispatchSignal signal,
        WebhookMetrics metrics,
        TimeProvider time,
        IOptions<WebhooksOptions> options,
        ILogger<WebhookPublisher> logger,
        IWebhookEventCatalog catalog,
        IServiceProvider services,
        DispatchBuffer handOff)
    {
        _handOff = handOff;
        _store = store;
        _mapper = mapper;
        _destinations = destinations;
        _urlPolicy = urlPolicy;
        _events = events;
        _signal = signal;
        _metrics = metrics;
        _time = time;
        _options = options.Value;
        _logger = logger;
        _catalog = catalog;
        _shared = new Shared(services);
        TenantId = WebhookTenant.Default;
    }

    private WebhookPublisher(WebhookPublisher other, string tenantId)
    {
        _store = other._store;
        _mapper = other._mapper;
        _destinations = other._destinations;
        _urlPolicy = other._urlPolicy;
        _events = other._events;
        _signal = other._signal;
        _metrics = other._metrics;
        _time = other._time;
        _options = other._options;
        _logger = other._logger;
        _catalog = other._catalog;
        _shared = other._shared;
        _handOff = other._handOff;
        TenantId = tenantId;
    }

    public string TenantId { get; }

    public IWebhookPublisher ForTenant(string tenantId) => new WebhookPublisher(this, WebhookTenant.Validate(tenantId));

    public Task<PublishResult> PublishAsync(WebhookEvent webhookEvent, CancellationToken cancellationToken)
        => PublishAsync(webhookEvent, NoOptions, cancellationToken);

    public async Task<PublishResult> PublishAsync(WebhookEvent webhookEvent, WebhookPublishOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= NoOptions;
        var (evt, envelope) = Prepare(webhookEvent);
        if (options.Transaction is { } transaction)
        {
            CheckTransaction(transaction);
        }

        var snapshot = await _destinations.GetAsync(TenantId, cancellationToken).ConfigureAwait(false);
        var targets = new List<Target>();
        foreach (var routed in snapshot.All)
        {
            if (routed.Runtime is not { } destination)
            {
                // Queue its delivery anyway (from the plain settings): the dispatcher fails it with the reason, so
                // nothing is silently dropped, and it is sent if the key comes back within the retry budget.
                Delivery.Log.DestinationUnreadable(_logger, routed.Unreadable!, routed.Record.Id, TenantId);
                if (routed.PlainRoute is { } route && route.Subscriptions.Matches(evt.Type) && !WebhookOperationalEvents.IsOperational(evt.Type))
                {
                    targets.Add(new Target(routed.Record.Id, route.Ordered, route.RetryCount));
                }

                continue;
            }

            if (OperationalEvents.Accepts(options, destination, evt.Type) && destination.Accepts(evt))
            {
                targets.Add(Target.Of(destination));
            }
        }

        return await EnqueueAsync(evt, envelope, targets, options.Transaction, cancellationToken).ConfigureAwait(false);
    }

    public async Task<PublishResult> EnqueueToAsync(WebhookEvent webhookEvent, IEnumerable<string> destinationIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destinationIds);
        var (evt, envelope) = Prepare(webhookEvent);
        var targets = new List<Target>();
        foreach (var id in destinationIds.Distinct(StringComparer.Ordinal))
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(id, nameof(destinationIds));
            var record = await _store.GetDestinationAsync(TenantId, id, cancellationToken).ConfigureAwait(false)
                ?? throw WebhookNotFoundException.Destination(TenantId, id);
            if (!record.Enabled)
            {
                throw new InvalidOperationException($"Webhook destination '{id}' is disabled ({record.DisabledReason ?? "by hand"}); enable it before sending to it.");
            }

            DestinationRuntime destination;
            try
            {
                destination = _mapper.ToRuntime(record);
            }
            catch (System.Security.Cryptography.CryptographicException ex)
            {
                // As in PublishAsync: queue it from the plain settings; the dispatcher fails it with the reason.
                Delivery.Log.DestinationUnreadable(_logger, ex, record.Id, TenantId);
                if (_mapper.RouteWithoutSecrets(record) is not { } route)
                {
                    throw;
                }

                if (Uri.TryCreate(DestinationConfig.Parse(record.ConfigJson).Url, UriKind.Absolute, out var url))
                {
                    await EnsureAllowedAsync(url, cancellationToken).ConfigureAwait(false);
                }

                targets.Add(new Target(record.Id, route.Ordered, route.RetryCount));
                continue;
            }

            await EnsureAllowedAsync(destination.Url, cancellationToken).ConfigureAwait(false);
            targets.Add(Target.Of(destination));
        }

        return await EnqueueAsync(evt, envelope, targets, transaction: null, cancellationToken).ConfigureAwait(false);
    }

    private async Task EnsureAllowedAsync(Uri url, CancellationToken cancellationToken)
    {
        var verdict = await _urlPolicy.EvaluateAsync(url, cancellationToken).ConfigureAwait(false);
        if (!verdict.Allowed)
        {
            throw new WebhookUrlRefusedException(verdict);
        }
    }

    private void CheckTransaction(System.Data.Common.DbTransaction transaction)
    {
        if (_store is IWebhookOutboxStore outbox)
        {
            outbox.ValidateTransaction(transaction);
            return;
        }

        throw new ArgumentException(
            $"PublishAsync(event, transaction): the {_store.GetType().Name} cannot enqueue inside your transaction, so the outbox guarantee would not hold. "
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
        else if (_catalog is WebhookEventCatalog catalog && catalog.CheckEventType(webhookEvent.Type) is { } problem)
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
            OccurredAt = webhookEvent.OccurredAt ?? _time.GetUtcNow(),
        };
        var envelope = EnvelopeSerializer.Serialize(evt);
        if (envelope.Length > _options.Safety.MaxPayloadBytes)
        {
            throw WebhookValidationException.ForEvent([new("Data", $"the event is {envelope.Length} bytes serialized; the limit is {_options.Safety.MaxPayloadBytes} bytes (Safety.MaxPayloadBytes). Send a thin event and let the receiver fetch details.")]);
        }

        return (evt, envelope);
    }

    private async Task<PublishResult> EnqueueAsync(WebhookEvent evt, byte[] envelope, List<Target> targets, System.Data.Common.DbTransaction? transaction, CancellationToken cancellationToken)
    {
        using var activity = WebhookTelemetry.StartPublish(TenantId, evt.Id!, evt.Type);
        var now = _time.GetUtcNow();
        var deliveries = new DeliveryRecord[targets.Count];
        var queued = new QueuedDelivery[targets.Count];
        for (var i = 0; i < targets.Count; i++)
        {
            var destination = targets[i];
            var ordered = destination.Ordered;
            deliveries[i] = new DeliveryRecord
            {
                TenantId = TenantId,
                Id = Ids.NewDeliveryId(),
                EventId = evt.Id!,
                EventType = evt.Type,
                DestinationId = destination.Id,
                Status = WebhookDeliveryStatus.Pending,
                MaxAttempts = 1 + destination.RetryCount,
                CreatedAt = now,
                DueAt = now,
                OrderingKey = ordered ? evt.CorrelationKey : null,
            };
            queued[i] = new QueuedDelivery(deliveries[i].Id, destination.Id);
        }

        if (deliveries.Length > 0)
        {
            var stored = EventSerialization.ToStored(_store, TenantId, evt, WebhookTelemetry.CaptureContext());
            var batch = new EnqueueBatch { Event = stored, Deliveries = deliveries, Transaction = transaction };

            // Room in this process's dispatch buffer for the deliveries that may be handed off (never in a caller's
            // transaction: nothing may be sent before it commits).
            var candidates = 0;
            if (transaction is null)
            {
                for (var i = 0; i < deliveries.Length; i++)
                {
                    candidates += IsHandOffCandidate(targets[i], deliveries[i]) ? 1 : 0;
                }
            }

            var reserved = _handOff.TryReserve(candidates);
            if (reserved == 0)
            {
                await _store.EnqueueAsync(batch, cancellationToken).ConfigureAwait(false);
                _events.Add(TenantId, evt, envelope);
                _signal.Notify();
            }
            else
            {
                await EnqueueAndHandOffAsync(batch, targets, reserved, evt, envelope, cancellationToken).ConfigureAwait(false);
            }

            WebhookTelemetry.SetPublished(activity, deliveries.Length);
            targets.ForEach(d => _metrics.RecordPublished(d.Format, d.Id));
            await WarnIfNothingWillSendAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            Log.NoDestinationMatched(_logger, evt.Id!, evt.Type, TenantId);
        }

        Delivery.Log.Published(_logger, evt.Id!, evt.Type, deliveries.Length, TenantId);
        return new PublishResult(evt.Id!, queued) { PendingCommit = transaction is not null };
    }

    private static bool IsHandOffCandidate(Target target, DeliveryRecord delivery) => target.Runtime is not null && delivery.OrderingKey is null;

    /// <summary>
    /// The in-process hand-off: enqueues the batch with up to <paramref name="reserved"/> of its deliveries written
    /// already leased to this process (the store's rule: pending, no ordering key) and, once that is durable, hands those
    /// to the dispatcher's workers with their destinations, so they skip the lease round trip. The rest is written
    /// unleased, for any instance's lease loop. A crash before a handed-off delivery completes loses nothing: its lease
    /// expires and it is leased again (at-least-once). A store that leases none (the default of
    /// <see cref="IDeliveryQueueStore.EnqueueLeasedAsync"/>) hands nothing off.
    /// </summary>
    private async Task EnqueueAndHandOffAsync(EnqueueBatch batch, List<Target> targets, int reserved, WebhookEvent evt, byte[] envelope, CancellationToken cancellationToken)
    {
        // Candidates first: the store leases the first MaxCount deliveries without an ordering key, in batch order.
        var deliveries = batch.Deliveries;
        var order = new int[deliveries.Count];
        var next = 0;
        for (var pass = 0; pass < 2; pass++)
        {
            for (var i = 0; i < order.Length; i++)
            {
                if (IsHandOffCandidate(targets[i], deliveries[i]) == (pass == 0))
                {
                    order[next++] = i;
                }
            }
        }

        var ordered = new DeliveryRecord[order.Length];
        for (var j = 0; j < order.Length; j++)
        {
            ordered[j] = deliveries[order[j]];
        }

        var lease = new EnqueueLease
        {
            LeaseToken = Guid.NewGuid().ToString("N"),
            LeaseExpiresAt = _time.GetUtcNow() + _options.Dispatcher.LeaseDuration,
            MaxCount = reserved,
        };
        IReadOnlyList<bool> leased;
        try
        {
            leased = await _store.EnqueueLeasedAsync(batch with { Deliveries = ordered }, lease, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _handOff.Release(reserved);
            throw;
        }

        _events.Add(TenantId, evt, envelope);
        var used = 0;
        var unleased = false;
        for (var j = 0; j < ordered.Length; j++)
        {
            if (j >= leased.Count || !leased[j])
            {
                unleased = true;
                continue;
            }

            var item = new LeasedDelivery { Delivery = ordered[j], Event = batch.Event, LeaseToken = lease.LeaseToken, LeaseExpiresAt = lease.LeaseExpiresAt };
            var target = targets[order[j]];
            if (used < reserved && IsHandOffCandidate(target, ordered[j]))
            {
                used++;
                if (_handOff.TryWrite(new DispatchWork(item, _mapper.Current(target.Runtime!), null)))
                {
                    continue;
                }
            }

            // Not handed off (the dispatcher stopped meanwhile, or the store leased more than asked): give it back, due now.
            await HandBackAsync(item).ConfigureAwait(false);
            unleased = true;
        }

        _handOff.Release(reserved - used);
        if (unleased)
        {
            _signal.Notify();
        }
    }

    private async Task HandBackAsync(LeasedDelivery item)
    {
        try
        {
            await _store.CompleteAsync([item.PostponedTo(_time.GetUtcNow())], CancellationToken.None).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Durable already: if the store cannot take it back now, the lease expires and it is sent then.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.HandBackFailed(_logger, ex, item.Delivery.Id);
        }
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
        var enabled = _options.Dispatcher.Enabled;
        if (enabled && dispatcher is WebhookDispatcher { ExecuteTask: { IsCompleted: false } })
        {
            return;
        }

        if (_store is not InMemoryWebhookStore)
        {
            var since = _time.GetUtcNow() - _options.Dispatcher.LeaseDuration;
            if (await _store.CountLiveInstancesAsync(since, cancellationToken).ConfigureAwait(false) > 0)
            {
                return;
            }
        }

        if (Interlocked.Exchange(ref _shared.Warned, 1) == 0)
        {
            var why = !enabled
                ? "Dispatcher.Enabled is false"
                : dispatcher is WebhookDispatcher { ExecuteTask: not null } ? "the host has stopped" : "the host was not started";
            Log.NothingWillSend(_logger, why);
        }
    }

    /// <summary>State shared by the publisher and its tenant-scoped copies.</summary>
    private sealed class Shared(IServiceProvider services)
    {
        public IServiceProvider Services { get; } = services;

        public object? Dispatcher { get; set; }

#pragma warning disable SA1401, CA1051 // A field so Interlocked can use it.
        public int Warned;
#pragma warning restore SA1401, CA1051
    }

    /// <summary>What enqueuing needs of a destination.</summary>
    private sealed record Target(string Id, bool Ordered, int RetryCount, string Format = "unknown", DestinationRuntime? Runtime = null)
    {
        public static Target Of(DestinationRuntime d) => new(d.Id, d.Config.OrderedDelivery || d.Config.Correlation is not null, d.Config.RetryCount, d.Config.Format, d);
    }
}
