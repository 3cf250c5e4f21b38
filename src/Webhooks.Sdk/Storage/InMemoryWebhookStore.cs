namespace Webhooks.Sdk.Storage;

/// <summary>
/// The in-memory store: fast, and lost when the process ends. Good for tests, development and deliveries that may be
/// lost; use the SQLite or PostgreSQL store for anything else. Thread-safe (one lock).
/// </summary>
public sealed class InMemoryWebhookStore : IWebhookStore, IWebhookQueueStatisticsStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Tenant, string Id), DestinationRecord> _destinations = [];
    private readonly Dictionary<(string Tenant, string Id), StoredEvent> _events = [];
    private readonly Dictionary<(string Tenant, string Id), Entry> _deliveries = [];
    private readonly SortedSet<Entry> _due = new(DueComparer.Instance);
    private readonly Dictionary<(string Tenant, string Id), Entry> _leased = [];
    private readonly Dictionary<(string Tenant, string Destination, string Key), LinkedList<Entry>> _ordered = [];
    private readonly Dictionary<(string Tenant, string Destination, string Key), string> _correlation = [];
    private readonly Dictionary<string, DateTimeOffset> _instances = new(StringComparer.Ordinal);
    private long _sequence;
    private long _leaseCounter;

    /// <inheritdoc />
    public Task<DestinationInsertResult> InsertDestinationAsync(DestinationRecord destination, int maxPerTenant, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        lock (_lock)
        {
            if (_destinations.ContainsKey((destination.TenantId, destination.Id)))
            {
                return Task.FromResult(DestinationInsertResult.AlreadyExists);
            }

            if (_destinations.Keys.Count(k => k.Tenant == destination.TenantId) >= maxPerTenant)
            {
                return Task.FromResult(DestinationInsertResult.LimitReached);
            }

            _destinations.Add((destination.TenantId, destination.Id), destination with { Version = 1 });
            return Task.FromResult(DestinationInsertResult.Inserted);
        }
    }

    /// <inheritdoc />
    public Task<DestinationRecord?> GetDestinationAsync(string tenantId, string id, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_destinations.GetValueOrDefault((tenantId, id)));
        }
    }

    /// <inheritdoc />
    public Task<WebhookCursorPage<DestinationRecord>> ListDestinationsAsync(DestinationListQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var after = StoreCursor.DecodeDestination(query.Cursor);
        lock (_lock)
        {
            var page = _destinations.Values
                .Where(d => d.TenantId == query.TenantId
                    && (after is not { } a || d.CreatedAt.UtcTicks < a.Ticks || (d.CreatedAt.UtcTicks == a.Ticks && string.CompareOrdinal(d.Id, a.Id) < 0)))
                .OrderByDescending(d => d.CreatedAt)
                .ThenByDescending(d => d.Id, StringComparer.Ordinal)
                .Take(query.Limit + 1)
                .ToList();
            return Task.FromResult(StoreCursor.DestinationPage(page, query.Limit));
        }
    }

    /// <inheritdoc />
    public Task<int> CountDestinationsAsync(string tenantId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_destinations.Values.Count(d => d.TenantId == tenantId));
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<DestinationRecord>> GetEnabledDestinationsAsync(string tenantId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            IReadOnlyList<DestinationRecord> list = _destinations.Values.Where(d => d.TenantId == tenantId && d.Enabled).ToArray();
            return Task.FromResult(list);
        }
    }

    /// <inheritdoc />
    public Task<DestinationRecord?> UpdateDestinationAsync(DestinationChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        lock (_lock)
        {
            var key = (change.TenantId, change.Id);
            if (!_destinations.TryGetValue(key, out var current))
            {
                return Task.FromResult<DestinationRecord?>(null);
            }

            DestinationRecord updated;
            try
            {
                updated = DestinationHealth.ApplyChange(current, change);
            }
            catch (WebhookConcurrencyException ex)
            {
                return Task.FromException<DestinationRecord?>(ex);
            }

            _destinations[key] = updated;
            return Task.FromResult<DestinationRecord?>(updated);
        }
    }

    /// <inheritdoc />
    public Task<bool> DeleteDestinationAsync(string tenantId, string id, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_destinations.Remove((tenantId, id)))
            {
                return Task.FromResult(false);
            }

            foreach (var entry in _deliveries.Values.Where(e => e.Record.TenantId == tenantId && e.Record.DestinationId == id && e.Record.Status == WebhookDeliveryStatus.Pending).ToArray())
            {
                Unlink(entry);
                _deliveries.Remove((tenantId, entry.Record.Id));
            }

            foreach (var key in _correlation.Keys.Where(k => k.Tenant == tenantId && k.Destination == id).ToArray())
            {
                _correlation.Remove(key);
            }

            return Task.FromResult(true);
        }
    }

    /// <inheritdoc />
    public Task<DestinationOutcomeResult?> RecordDestinationOutcomeAsync(DestinationOutcome outcome, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        lock (_lock)
        {
            var key = (outcome.TenantId, outcome.DestinationId);
            if (!_destinations.TryGetValue(key, out var current))
            {
                return Task.FromResult<DestinationOutcomeResult?>(null);
            }

            var (updated, justDisabled) = DestinationHealth.Apply(current, outcome);
            _destinations[key] = updated;
            return Task.FromResult<DestinationOutcomeResult?>(new DestinationOutcomeResult(updated, justDisabled));
        }
    }

    /// <inheritdoc />
    public Task EnqueueAsync(EnqueueBatch batch, CancellationToken cancellationToken)
    {
        Enqueue(batch, lease: null);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<bool>> EnqueueLeasedAsync(EnqueueBatch batch, EnqueueLease lease, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        return Task.FromResult<IReadOnlyList<bool>>(Enqueue(batch, lease));
    }

    private bool[] Enqueue(EnqueueBatch batch, EnqueueLease? lease)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Transaction is not null)
        {
            throw new NotSupportedException("The in-memory store cannot enqueue inside a caller's transaction; use the SQLite or PostgreSQL store.");
        }

        var leased = EnqueueLeaseRule.Apply(batch, lease);
        if (batch.Deliveries.Count == 0)
        {
            return leased;
        }

        lock (_lock)
        {
            var evtKey = (batch.Event.TenantId, batch.Event.Id);
            _events.TryAdd(evtKey, batch.Event);
            for (var i = 0; i < leased.Length; i++)
            {
                var delivery = batch.Deliveries[i];
                var entry = new Entry(delivery with { Sequence = ++_sequence });
                _deliveries.Add((delivery.TenantId, delivery.Id), entry);
                if (leased[i])
                {
                    // Written leased (no ordering key): held by the enqueuing process until the lease expires.
                    entry.LeaseToken = lease!.LeaseToken;
                    entry.LeaseExpiresAt = lease.LeaseExpiresAt;
                    _leased[(delivery.TenantId, delivery.Id)] = entry;
                }
                else
                {
                    Link(entry);
                }
            }
        }

        return leased;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<LeasedDelivery>> LeaseDueAsync(LeaseRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var result = new List<LeasedDelivery>(Math.Min(request.MaxCount, 256));
        lock (_lock)
        {
            ReturnExpiredLeases(request.Now);
            List<Entry>? taken = null;
            foreach (var entry in _due)
            {
                if (result.Count >= request.MaxCount || entry.Record.DueAt > request.Now)
                {
                    break;
                }

                if (entry.OrderKey is { } orderKey && _ordered[orderKey].First!.Value != entry)
                {
                    continue;
                }

                taken ??= [];
                taken.Add(entry);
                entry.LeaseToken = "l" + (++_leaseCounter).ToString(System.Globalization.CultureInfo.InvariantCulture);
                entry.LeaseExpiresAt = request.Now + request.Duration;
                var evt = _events[(entry.Record.TenantId, entry.Record.EventId)];
                result.Add(new LeasedDelivery { Delivery = entry.Record, Event = evt, LeaseToken = entry.LeaseToken, LeaseExpiresAt = entry.LeaseExpiresAt });
            }

            if (taken is not null)
            {
                foreach (var entry in taken)
                {
                    _due.Remove(entry);
                    _leased[(entry.Record.TenantId, entry.Record.Id)] = entry;
                }
            }
        }

        return Task.FromResult<IReadOnlyList<LeasedDelivery>>(result);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<LeaseHandle>> RenewLeasesAsync(LeaseRenewal renewal, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(renewal);
        var renewed = new List<LeaseHandle>(renewal.Leases.Count);
        lock (_lock)
        {
            foreach (var lease in renewal.Leases)
            {
                var key = (lease.TenantId, lease.DeliveryId);
                if (_deliveries.TryGetValue(key, out var entry) && entry.LeaseToken == lease.LeaseToken && entry.Record.Status == WebhookDeliveryStatus.Pending)
                {
                    if (!_leased.ContainsKey(key))
                    {
                        // The lease expired but nobody took it: it is held again.
                        _due.Remove(entry);
                        _leased[key] = entry;
                    }

                    entry.LeaseExpiresAt = renewal.Now + renewal.Duration;
                    renewed.Add(lease);
                }
            }
        }

        return Task.FromResult<IReadOnlyList<LeaseHandle>>(renewed);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<bool>> CompleteAsync(IReadOnlyList<DeliveryCompletion> completions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(completions);
        var results = new bool[completions.Count];
        lock (_lock)
        {
            for (var i = 0; i < results.Length; i++)
            {
                results[i] = Complete(completions[i]);
            }
        }

        return Task.FromResult<IReadOnlyList<bool>>(results);
    }

    private bool Complete(DeliveryCompletion completion)
    {
        ArgumentNullException.ThrowIfNull(completion);
        {
            var key = (completion.TenantId, completion.DeliveryId);
            if (!_deliveries.TryGetValue(key, out var entry))
            {
                return false;
            }

            if (completion.Attempt is { } attempt)
            {
                entry.Attempts.Add(attempt);
            }

            if (entry.LeaseToken != completion.LeaseToken || entry.Record.Status != WebhookDeliveryStatus.Pending)
            {
                return false;
            }

            if (!_leased.Remove(key))
            {
                // The lease expired but nobody took it since: completing still counts.
                _due.Remove(entry);
            }

            entry.LeaseToken = null;
            var record = entry.Record with
            {
                Status = completion.Status,
                DueAt = completion.Status == WebhookDeliveryStatus.Pending ? completion.DueAt : entry.Record.DueAt,
                CompletedAt = completion.Status == WebhookDeliveryStatus.Pending ? null : completion.CompletedAt,
            };
            if (completion.Attempt is { } a)
            {
                record = record with { AttemptCount = Math.Max(record.AttemptCount, a.Number), LastStatusCode = a.StatusCode, LastError = a.Error };
            }

            if (record.Status == WebhookDeliveryStatus.Pending)
            {
                entry.Record = record;
                _due.Add(entry);
            }
            else
            {
                RemoveFromOrdered(entry);
                entry.Record = record;
            }

            return true;
        }
    }

    /// <inheritdoc />
    public Task<DateTimeOffset?> GetNextDueTimeAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            DateTimeOffset? next = _due.Count > 0 ? _due.Min!.Record.DueAt : null;
            foreach (var leased in _leased.Values)
            {
                if (next is null || leased.LeaseExpiresAt < next)
                {
                    next = leased.LeaseExpiresAt;
                }
            }

            return Task.FromResult(next);
        }
    }

    /// <inheritdoc />
    public Task<WebhookQueueCounts> GetQueueCountsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            long pending = 0, retrying = 0, dead = 0;
            DateTimeOffset? oldest = null;
            foreach (var entry in _deliveries.Values)
            {
                var r = entry.Record;
                if (r.Status == WebhookDeliveryStatus.Failed)
                {
                    dead++;
                }
                else if (r.Status == WebhookDeliveryStatus.Pending)
                {
                    _ = r.AttemptCount == 0 ? pending++ : retrying++;
                    if (r.DueAt <= now && (oldest is null || r.DueAt < oldest))
                    {
                        oldest = r.DueAt;
                    }
                }
            }

            return Task.FromResult(new WebhookQueueCounts { Pending = pending, Retrying = retrying, Dead = dead, OldestDueAt = oldest });
        }
    }

    /// <inheritdoc />
    public Task RecordTestDeliveryAsync(StoredEvent evt, DeliveryRecord delivery, AttemptRecord attempt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(evt);
        ArgumentNullException.ThrowIfNull(delivery);
        lock (_lock)
        {
            _events.TryAdd((evt.TenantId, evt.Id), evt);
            var entry = new Entry(delivery with { Sequence = ++_sequence });
            entry.Attempts.Add(attempt);
            _deliveries.Add((delivery.TenantId, delivery.Id), entry);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<DeliveryRecord?> GetDeliveryAsync(string tenantId, string deliveryId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_deliveries.GetValueOrDefault((tenantId, deliveryId))?.Record);
        }
    }

    /// <inheritdoc />
    public Task<WebhookCursorPage<DeliveryRecord>> QueryDeliveriesAsync(DeliveryQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var before = StoreCursor.DecodeSequence(query.Cursor);
        lock (_lock)
        {
            var list = _deliveries.Values
                .Select(e => e.Record)
                .Where(r => r.TenantId == query.TenantId
                    && (query.DestinationId is null || r.DestinationId == query.DestinationId)
                    && (query.Status is null || r.Status == query.Status)
                    && (query.EventType is null || r.EventType == query.EventType)
                    && (query.Since is null || r.CreatedAt >= query.Since)
                    && (query.Until is null || r.CreatedAt < query.Until)
                    && (query.StatusCodeClass is null || StoreCursor.StatusCodeClassOf(r.LastStatusCode) == query.StatusCodeClass)
                    && (before is null || r.Sequence < before))
                .OrderByDescending(r => r.Sequence)
                .Take(query.Limit + 1)
                .ToList();
            return Task.FromResult(StoreCursor.DeliveryPage(list, query.Limit));
        }
    }

    /// <inheritdoc />
    public Task<DeliveryCounts> CountDeliveriesAsync(DeliveryCountQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        lock (_lock)
        {
            long pending = 0, succeeded = 0, failed = 0;
            foreach (var entry in _deliveries.Values)
            {
                var r = entry.Record;
                if (r.TenantId != query.TenantId
                    || (query.DestinationId is not null && r.DestinationId != query.DestinationId)
                    || (query.Since is not null && r.CreatedAt < query.Since)
                    || (query.Until is not null && r.CreatedAt >= query.Until))
                {
                    continue;
                }

                switch (r.Status)
                {
                    case WebhookDeliveryStatus.Pending: pending++; break;
                    case WebhookDeliveryStatus.Succeeded: succeeded++; break;
                    default: failed++; break;
                }
            }

            return Task.FromResult(new DeliveryCounts(pending, succeeded, failed));
        }
    }

    /// <inheritdoc />
    public Task<DateTimeOffset?> GetOldestDueTimeAsync(string? tenantId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            DateTimeOffset? oldest = null;
            foreach (var entry in _deliveries.Values)
            {
                var r = entry.Record;
                var waiting = r.Status == WebhookDeliveryStatus.Pending && r.DueAt <= now
                    && (entry.LeaseToken is null || entry.LeaseExpiresAt <= now)
                    && (tenantId is null || r.TenantId == tenantId);
                if (waiting && (oldest is null || r.DueAt < oldest))
                {
                    oldest = r.DueAt;
                }
            }

            return Task.FromResult(oldest);
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<AttemptRecord>> ListAttemptsAsync(string tenantId, string deliveryId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            IReadOnlyList<AttemptRecord> list = _deliveries.TryGetValue((tenantId, deliveryId), out var entry)
                ? entry.Attempts.OrderBy(a => a.Number).ToArray()
                : [];
            return Task.FromResult(list);
        }
    }

    /// <inheritdoc />
    public Task<bool> RequeueDeliveryAsync(string tenantId, string deliveryId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_deliveries.TryGetValue((tenantId, deliveryId), out var entry) && Requeue(entry, now));
        }
    }

    /// <inheritdoc />
    public Task<int> RequeueFailedAsync(string tenantId, string destinationId, DateTimeOffset since, DateTimeOffset now, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var count = 0;
            foreach (var entry in _deliveries.Values
                .Where(e => e.Record.TenantId == tenantId && e.Record.DestinationId == destinationId && e.Record.Status == WebhookDeliveryStatus.Failed && !e.Record.IsTest && e.Record.CompletedAt >= since)
                .OrderBy(e => e.Record.Sequence)
                .ToArray())
            {
                if (Requeue(entry, now))
                {
                    count++;
                }
            }

            return Task.FromResult(count);
        }
    }

    /// <inheritdoc />
    public Task<string?> GetCorrelationIdAsync(string tenantId, string destinationId, string correlationKey, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_correlation.GetValueOrDefault((tenantId, destinationId, correlationKey)));
        }
    }

    /// <inheritdoc />
    public Task SetCorrelationIdAsync(string tenantId, string destinationId, string correlationKey, string correlationId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _correlation[(tenantId, destinationId, correlationKey)] = correlationId;
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<bool> ClearCorrelationIdAsync(string tenantId, string destinationId, string correlationKey, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_correlation.Remove((tenantId, destinationId, correlationKey)));
        }
    }

    /// <inheritdoc />
    public Task HeartbeatAsync(string instanceId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(instanceId);
        lock (_lock)
        {
            _instances[instanceId] = now;
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<int> CountLiveInstancesAsync(DateTimeOffset since, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_instances.Values.Count(at => at >= since));
        }
    }

    /// <inheritdoc />
    public Task RemoveInstanceAsync(string instanceId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _instances.Remove(instanceId);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<int> PurgeHistoryAsync(DateTimeOffset olderThan, int batchSize, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var victims = _deliveries.Values
                .Where(e => e.Record.Status != WebhookDeliveryStatus.Pending && e.Record.CompletedAt < olderThan)
                .OrderBy(e => e.Record.Sequence)
                .Take(batchSize)
                .ToArray();
            foreach (var entry in victims)
            {
                _deliveries.Remove((entry.Record.TenantId, entry.Record.Id));
            }

            if (victims.Length > 0)
            {
                var live = _deliveries.Values.Select(e => (e.Record.TenantId, e.Record.EventId)).ToHashSet();
                foreach (var key in _events.Keys.Where(k => !live.Contains(k)).ToArray())
                {
                    _events.Remove(key);
                }
            }

            return Task.FromResult(victims.Length);
        }
    }

    private bool Requeue(Entry entry, DateTimeOffset now)
    {
        if (entry.Record.Status == WebhookDeliveryStatus.Pending)
        {
            return false;
        }

        entry.Record = entry.Record with
        {
            Status = WebhookDeliveryStatus.Pending,
            DueAt = now,
            CompletedAt = null,
            MaxAttempts = entry.Record.AttemptCount + 1,
            Sequence = entry.Record.OrderingKey is null ? entry.Record.Sequence : ++_sequence,
        };
        Link(entry);
        return true;
    }

    private void Link(Entry entry)
    {
        if (entry.Record.OrderingKey is { } key)
        {
            entry.OrderKey = (entry.Record.TenantId, entry.Record.DestinationId, key);
            if (!_ordered.TryGetValue(entry.OrderKey.Value, out var list))
            {
                list = new LinkedList<Entry>();
                _ordered[entry.OrderKey.Value] = list;
            }

            list.AddLast(entry);
        }

        _due.Add(entry);
    }

    private void Unlink(Entry entry)
    {
        _due.Remove(entry);
        _leased.Remove((entry.Record.TenantId, entry.Record.Id));
        RemoveFromOrdered(entry);
    }

    private void RemoveFromOrdered(Entry entry)
    {
        if (entry.OrderKey is { } orderKey && _ordered.TryGetValue(orderKey, out var list))
        {
            list.Remove(entry);
            if (list.Count == 0)
            {
                _ordered.Remove(orderKey);
            }
        }
    }

    private void ReturnExpiredLeases(DateTimeOffset now)
    {
        if (_leased.Count == 0)
        {
            return;
        }

        List<(string, string)>? expired = null;
        foreach (var (key, entry) in _leased)
        {
            if (entry.LeaseExpiresAt <= now)
            {
                (expired ??= []).Add(key);
            }
        }

        if (expired is null)
        {
            return;
        }

        foreach (var key in expired)
        {
            var entry = _leased[key];
            _leased.Remove(key);
            entry.LeaseToken = null;
            _due.Add(entry);
        }
    }

    private sealed class Entry(DeliveryRecord record)
    {
        public DeliveryRecord Record { get; set; } = record;

        public List<AttemptRecord> Attempts { get; } = [];

        public string? LeaseToken { get; set; }

        public DateTimeOffset LeaseExpiresAt { get; set; }

        public (string Tenant, string Destination, string Key)? OrderKey { get; set; }
    }

    private sealed class DueComparer : IComparer<Entry>
    {
        public static readonly DueComparer Instance = new();

        public int Compare(Entry? x, Entry? y)
        {
            if (ReferenceEquals(x, y))
            {
                return 0;
            }

            var c = x!.Record.DueAt.CompareTo(y!.Record.DueAt);
            if (c != 0)
            {
                return c;
            }

            c = x.Record.Sequence.CompareTo(y.Record.Sequence);
            return c != 0 ? c : string.CompareOrdinal(x.Record.Id, y.Record.Id);
        }
    }
}
