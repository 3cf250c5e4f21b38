using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Webhooks.Sdk.Routing;
using Webhooks.Sdk.Storage;

namespace Webhooks.Sdk.Destinations;

/// <summary>
/// Per-tenant snapshots of the enabled destinations with their parsed runtimes, so publishing routes from memory and
/// the dispatcher resolves a leased delivery's destination without a store read. A snapshot is dropped when this
/// instance's destination manager writes a destination of the tenant (and when a destination is disabled by its
/// health), so changes made here apply to the next publish; changes made by other instances sharing the store are
/// seen once the snapshot is older than <see cref="WebhookDispatcherOptions.DestinationRefreshInterval"/>: that is
/// the bound on their staleness. One store read per tenant and interval, whatever the publishing rate.
/// </summary>
internal sealed class DestinationSnapshots
{
    private readonly IDestinationStore _store;
    private readonly DestinationMapper _mapper;
    private readonly TimeProvider _time;
    private readonly TimeSpan _refresh;
    private readonly ConcurrentDictionary<string, Slot> _tenants = new(StringComparer.Ordinal);

    public DestinationSnapshots(IDestinationStore store, DestinationMapper mapper, TimeProvider time, IOptions<WebhooksOptions> options)
    {
        _store = store;
        _mapper = mapper;
        _time = time;
        _refresh = options.Value.Dispatcher.DestinationRefreshInterval;
    }

    /// <summary>Gets how many store reads the snapshots have made (for tests and diagnostics).</summary>
    public long Loads => Interlocked.Read(ref _loads);

    private long _loads;

    /// <summary>Gets the tenant's current snapshot, reading the store when there is none or it is older than the refresh interval.</summary>
    public ValueTask<TenantDestinations> GetAsync(string tenantId, CancellationToken cancellationToken)
    {
        var slot = _tenants.GetOrAdd(tenantId, static _ => new Slot());
        var current = Volatile.Read(ref slot.Snapshot);
        if (current is not null && _time.GetUtcNow() - current.LoadedAt < _refresh)
        {
            return new ValueTask<TenantDestinations>(current);
        }

        return new ValueTask<TenantDestinations>(LoadAsync(tenantId, slot, cancellationToken));
    }

    /// <summary>Drops a tenant's snapshot: the next use reads the store.</summary>
    public void Invalidate(string tenantId)
    {
        if (_tenants.TryGetValue(tenantId, out var slot))
        {
            lock (slot)
            {
                slot.Generation++;
                slot.Snapshot = null;
                slot.Loading = null;
            }
        }
    }

    /// <summary>Drops every snapshot (after a change that touches destinations of many tenants, such as a key rotation).</summary>
    public void InvalidateAll()
    {
        foreach (var tenant in _tenants.Keys)
        {
            Invalidate(tenant);
        }
    }

    private Task<TenantDestinations> LoadAsync(string tenantId, Slot slot, CancellationToken cancellationToken)
    {
        Task<TenantDestinations> loading;
        long generation;
        lock (slot)
        {
            if (slot.Loading is { } running)
            {
                return running.WaitAsync(cancellationToken);
            }

            generation = slot.Generation;
            loading = slot.Loading = ReadAsync(tenantId, slot, generation);
        }

        return loading.WaitAsync(cancellationToken);
    }

    /// <summary>One read shared by every caller that needs the tenant meanwhile (it is not cancelled by any one of them).</summary>
    private async Task<TenantDestinations> ReadAsync(string tenantId, Slot slot, long generation)
    {
        await Task.Yield();
        try
        {
            var loadedAt = _time.GetUtcNow();
            Interlocked.Increment(ref _loads);
            var records = await _store.GetEnabledDestinationsAsync(tenantId, CancellationToken.None).ConfigureAwait(false);
            var snapshot = new TenantDestinations(loadedAt, records.Select(Route).ToArray());
            lock (slot)
            {
                if (slot.Generation == generation)
                {
                    // Not installed when the manager wrote meanwhile: the read may predate its write.
                    slot.Snapshot = snapshot;
                    slot.Loading = null;
                }
            }

            return snapshot;
        }
        catch
        {
            lock (slot)
            {
                if (slot.Generation == generation)
                {
                    slot.Loading = null;
                }
            }

            throw;
        }
    }

    private RoutedDestination Route(DestinationRecord record)
    {
        try
        {
            return new RoutedDestination(record, _mapper.ToRuntime(record), null, null);
        }
#pragma warning disable CA1031 // One unreadable destination must not stop the tenant's publishing: it is routed from its plain settings.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return new RoutedDestination(record, null, ex, _mapper.RouteWithoutSecrets(record));
        }
    }

    private sealed class Slot
    {
#pragma warning disable SA1401, CA1051 // Fields so Volatile can read them; written under the slot's lock.
        public TenantDestinations? Snapshot;
        public Task<TenantDestinations>? Loading;
        public long Generation;
#pragma warning restore SA1401, CA1051
    }
}

/// <summary>A tenant's enabled destinations at one time.</summary>
internal sealed class TenantDestinations
{
    private readonly Dictionary<string, RoutedDestination> _byId;

    public TenantDestinations(DateTimeOffset loadedAt, RoutedDestination[] destinations)
    {
        LoadedAt = loadedAt;
        All = destinations;
        _byId = new Dictionary<string, RoutedDestination>(destinations.Length, StringComparer.Ordinal);
        foreach (var d in destinations)
        {
            _byId[d.Record.Id] = d;
        }
    }

    public DateTimeOffset LoadedAt { get; }

    public IReadOnlyList<RoutedDestination> All { get; }

    public RoutedDestination? Find(string id) => _byId.TryGetValue(id, out var d) ? d : null;
}

/// <summary>
/// An enabled destination as routing sees it: its runtime, or (when its record cannot be read) the exception and what
/// routing can take from its plain settings.
/// </summary>
internal sealed record RoutedDestination(
    DestinationRecord Record,
    DestinationRuntime? Runtime,
    Exception? Unreadable,
    (SubscriptionSet Subscriptions, bool Ordered, int RetryCount)? PlainRoute);
