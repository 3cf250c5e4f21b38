using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Webhooks.Sdk.Destinations;
using Webhooks.Sdk.Diagnostics;
using Webhooks.Sdk.Storage;

namespace Webhooks.Sdk.Delivery;

/// <summary>
/// The background dispatcher: leases due deliveries from the store and processes them with bounded concurrency
/// overall and per destination. Wakes at once when something is published in-process (or a store signals work),
/// otherwise polls at <see cref="WebhookDispatcherOptions.PollInterval"/> or at the next due time, whichever is first.
/// </summary>
internal sealed class WebhookDispatcher : BackgroundService
{
    private static readonly TimeSpan PerDestinationOverflowDelay = TimeSpan.FromMilliseconds(200);

    /// <summary>How often this instance refreshes its registration in the store.</summary>
    internal static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(5);

    /// <summary>How often a joining instance beats while it waits for the others to count it.</summary>
    internal static readonly TimeSpan HeldHeartbeatInterval = TimeSpan.FromSeconds(1);

    private readonly IWebhookStore _store;
    private readonly DeliveryProcessor _processor;
    private readonly DestinationMapper _mapper;
    private readonly DestinationSnapshots _snapshots;
    private readonly CompletionBatcher _completions;
    private readonly DispatchSignal _signal;
    private readonly InstanceShare _instances;
    private readonly TimeProvider _time;
    private readonly WebhookDispatcherOptions _options;
    private readonly ILogger _logger;
    private readonly DispatcherHeartbeat _heartbeat;
    private readonly DispatchBuffer _buffer;
    private ChannelReader<DispatchWork>? _reader;
    private readonly string _instanceId = Environment.MachineName + ":" + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) + ":" + Guid.NewGuid().ToString("N")[..8];

    public WebhookDispatcher(
        IWebhookStore store,
        DeliveryProcessor processor,
        DestinationMapper mapper,
        DestinationSnapshots snapshots,
        CompletionBatcher completions,
        DispatchSignal signal,
        InstanceShare instances,
        TimeProvider time,
        IOptions<WebhooksOptions> options,
        ILogger<WebhookDispatcher> logger,
        DispatcherHeartbeat heartbeat,
        DispatchBuffer buffer)
    {
        _buffer = buffer;
        _instances = instances;
        _store = store;
        _processor = processor;
        _mapper = mapper;
        _snapshots = snapshots;
        _completions = completions;
        _signal = signal;
        _time = time;
        _options = options.Value.Dispatcher;
        _logger = logger;
        _heartbeat = heartbeat;
    }

    /// <summary>Opens the dispatch buffer before the host's start returns, so publishes from then on are handed off.</summary>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (_options.Enabled)
        {
            _reader = _buffer.Open();
        }

        return base.StartAsync(cancellationToken);
    }

    /// <summary>Stops the dispatcher; the buffer is closed even if it never ran.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await base.StopAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _buffer.Close();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            // Another process sends (WebhookDispatcherOptions.Enabled = false): this one only publishes and manages.
            return;
        }

        // Long-lived workers take leased deliveries from a buffer the lease loop keeps filled: a batch per store round
        // trip, up to the buffer's free room, while the workers are busy with the previous ones. The publisher hands
        // the deliveries this process enqueues (already leased to it) into the same buffer while it has room.
        var reader = _reader ?? _buffer.Open();
        var workers = new Task[_options.MaxConcurrency];
        for (var i = 0; i < workers.Length; i++)
        {
            workers[i] = WorkerAsync(reader, stoppingToken);
        }

        var renewing = RenewLoopAsync(stoppingToken);
        var heartbeat = HeartbeatLoopAsync(stoppingToken);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                _heartbeat.Beat(_time.GetUtcNow());
                var room = _buffer.Room;
                if (room <= 0)
                {
                    // Every worker is busy and as many deliveries wait for them: lease more once one is taken.
                    await _buffer.WaitForRoomAsync(_options.PollInterval, _time, stoppingToken).ConfigureAwait(false);
                    continue;
                }

                IReadOnlyList<LeasedDelivery> leased = [];
                var written = 0;
                try
                {
                    leased = await _store.LeaseDueAsync(
                        new LeaseRequest { MaxCount = room, Now = _time.GetUtcNow(), Duration = _options.LeaseDuration },
                        stoppingToken).ConfigureAwait(false);
                    if (leased.Count == 0)
                    {
                        await WaitForWorkAsync(stoppingToken).ConfigureAwait(false);
                        continue;
                    }

                    // Held (and renewed) from now on, also while waiting in the buffer, for the destination's gate or its rate limit.
                    foreach (var item in leased)
                    {
                        _buffer.Held[Handle(item)] = 0;
                    }

                    var destinations = await ResolveDestinationsAsync(leased, stoppingToken).ConfigureAwait(false);
                    foreach (var item in leased)
                    {
                        destinations.TryGetValue((item.Delivery.TenantId, item.Delivery.DestinationId), out var destination);
                        written++;
                        if (!_buffer.TryAdd(new DispatchWork(item, destination.Destination, destination.Unreadable)))
                        {
                            // Closed meanwhile (stopping): hand it back, due at once.
                            await PostponeAsync(item, _time.GetUtcNow()).ConfigureAwait(false);
                        }
                    }
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    Forget(leased, written);
                    throw;
                }
#pragma warning disable CA1031 // The dispatcher outlives store outages: log, wait, try again.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    // Leased but not handed to a worker: no longer renewed, they are due again when their lease expires.
                    Forget(leased, written);
                    Log.StoreFailed(_logger, ex, (long)_options.StoreErrorDelay.TotalMilliseconds);
                    await Task.Delay(_options.StoreErrorDelay, _time, stoppingToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            // Nothing more is handed off or buffered; the workers hand back what is still buffered (due at once) and
            // finish what they run.
            _buffer.Close();
            await Task.WhenAll(workers).ConfigureAwait(false);

            // Completions still waiting for their batch are written before the dispatcher stops.
            await _completions.FlushAsync().ConfigureAwait(false);
            await renewing.ConfigureAwait(false);
            await heartbeat.ConfigureAwait(false);
        }
    }

    private static LeaseHandle Handle(LeasedDelivery item) => new(item.Delivery.TenantId, item.Delivery.Id, item.LeaseToken);

    /// <summary>Stops renewing the leases of deliveries leased but not written to the buffer (from <paramref name="written"/> on).</summary>
    private void Forget(IReadOnlyList<LeasedDelivery> leased, int written)
    {
        for (var i = written; i < leased.Count; i++)
        {
            _buffer.Held.TryRemove(Handle(leased[i]), out _);
        }
    }

    private async Task WorkerAsync(ChannelReader<DispatchWork> reader, CancellationToken stoppingToken)
    {
        await Task.Yield();
        while (await _buffer.TakeAsync(reader).ConfigureAwait(false) is { } work)
        {
            await RunAsync(work, stoppingToken).ConfigureAwait(false);
        }
    }

    private async Task RunAsync(DispatchWork work, CancellationToken stoppingToken)
    {
        DestinationGate? gate = null;
        var entered = false;
        var item = work.Item;
        var destination = work.Destination;
        using var use = destination?.State?.Use(_time.GetUtcNow().UtcTicks) ?? default;
        try
        {
            stoppingToken.ThrowIfCancellationRequested();
            if (destination?.State is { } state)
            {
                var candidate = state.Gate(_options.MaxConcurrencyPerDestination);
                if (!candidate.TryQueue())
                {
                    await PostponeAsync(item, _time.GetUtcNow() + PerDestinationOverflowDelay).ConfigureAwait(false);
                    return;
                }

                gate = candidate;

                await gate.Semaphore.WaitAsync(stoppingToken).ConfigureAwait(false);
                entered = true;
            }

            await _processor.ProcessAsync(item, destination, work.Unreadable, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: hand the delivery back so it is due at once instead of when the lease expires.
            await PostponeAsync(item, _time.GetUtcNow()).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Only the store can fail here (the attempt's own failures are recorded): the lease expires and it is tried again.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.ProcessingFailed(_logger, ex, item.Delivery.Id);
        }
        finally
        {
            if (gate is not null)
            {
                if (entered)
                {
                    gate.Semaphore.Release();
                }

                gate.Dequeue();
            }

            _buffer.Held.TryRemove(work.Handle, out _);
            if (item.Delivery.OrderingKey is not null)
            {
                // The next delivery of the key may be leasable now: look again instead of waiting for the poll.
                _signal.Notify();
            }
        }
    }

    /// <summary>
    /// Renews the leases of the deliveries this process holds every third of <see cref="WebhookDispatcherOptions.LeaseDuration"/>,
    /// in one store call, so an attempt that outlives its lease (slow receiver, a wait for the destination's gate or
    /// rate limit) is never leased and sent by another process meanwhile. A crashed process stops renewing: its
    /// deliveries are due again one lease duration later.
    /// </summary>
    private async Task RenewLoopAsync(CancellationToken stoppingToken)
    {
        var period = _options.LeaseDuration / 3;
        try
        {
            while (true)
            {
                await Task.Delay(period, _time, stoppingToken).ConfigureAwait(false);
                var pending = _completions.PendingLeases();
                if (_buffer.Held.IsEmpty && pending.Count == 0)
                {
                    continue;
                }

                // Also the leases of outcomes waiting for their completion batch: they stay held until written. The held
                // set has every delivery from its lease or hand-off on, also those waiting in the buffer.
                pending.AddRange(_buffer.Held.Keys);
                var handles = pending.ToArray();
                try
                {
                    var renewed = await _store.RenewLeasesAsync(
                        new LeaseRenewal { Leases = handles, Now = _time.GetUtcNow(), Duration = _options.LeaseDuration },
                        stoppingToken).ConfigureAwait(false);
                    Log.LeasesRenewed(_logger, renewed.Count);
                    if (renewed.Count < handles.Length)
                    {
                        var kept = renewed.ToHashSet();
                        foreach (var lost in handles.Where(h => !kept.Contains(h) && _buffer.Held.ContainsKey(h)))
                        {
                            Log.LeaseLost(_logger, lost.DeliveryId);
                        }
                    }
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    throw;
                }
#pragma warning disable CA1031 // A store outage: the next round tries again (the leases may expire meanwhile: at-least-once).
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    Log.StoreFailed(_logger, ex, (long)period.TotalMilliseconds);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// Registers this instance in the store and refreshes its heartbeat every <see cref="HeartbeatInterval"/>; counts the
    /// instances seen within three intervals, so each takes its share of a destination's rate limit (see
    /// <see cref="InstanceShare"/>). While a joining instance is held, it beats every second and ends the hold once
    /// every live instance has beaten since it registered (each counts right after its beat). Removes itself on a
    /// clean stop.
    /// </summary>
    private async Task HeartbeatLoopAsync(CancellationToken stoppingToken)
    {
        DateTimeOffset? registeredAt = null;
        try
        {
            while (true)
            {
                try
                {
                    var now = _time.GetUtcNow();
                    await _store.HeartbeatAsync(_instanceId, now, stoppingToken).ConfigureAwait(false);
                    registeredAt ??= now;
                    var live = await _store.CountLiveInstancesAsync(now - (3 * HeartbeatInterval), stoppingToken).ConfigureAwait(false);
                    _instances.Count = live;
                    if (_instances.IsHeld(now)
                        && await _store.CountLiveInstancesAsync(registeredAt.Value, stoppingToken).ConfigureAwait(false) >= live)
                    {
                        _instances.Release(_time.GetUtcNow() + InstanceShare.JoinMargin);
                    }
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    throw;
                }
#pragma warning disable CA1031 // A store outage: keep the last count and try again next round.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    Log.StoreFailed(_logger, ex, (long)HeartbeatInterval.TotalMilliseconds);
                }

                var wait = _instances.IsHeld(_time.GetUtcNow()) ? HeldHeartbeatInterval : HeartbeatInterval;
                await Task.Delay(wait, _time, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        try
        {
            await _store.RemoveInstanceAsync(_instanceId, CancellationToken.None).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Not removed: it stops counting once its heartbeat is three intervals old.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.StoreFailed(_logger, ex, 0);
        }
    }

    private async Task PostponeAsync(LeasedDelivery item, DateTimeOffset dueAt)
    {
        try
        {
            await _completions.CompleteAsync(item.PostponedTo(dueAt)).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // If the store is down the lease simply expires.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.ProcessingFailed(_logger, ex, item.Delivery.Id);
        }
    }

    /// <summary>
    /// Resolves the batch's destinations once each, from the tenant's routing snapshot (no store read in steady state);
    /// a destination missing from it (disabled, deleted, or created by another instance since the snapshot) is read from
    /// the store. A record that cannot be read (for example a secret that no longer decrypts) is reported and its
    /// deliveries fail with the reason; the rest of the batch goes on.
    /// </summary>
    private async Task<Dictionary<(string, string), Resolved>> ResolveDestinationsAsync(IReadOnlyList<LeasedDelivery> leased, CancellationToken cancellationToken)
    {
        var result = new Dictionary<(string, string), Resolved>();
        foreach (var item in leased)
        {
            var key = (item.Delivery.TenantId, item.Delivery.DestinationId);
            if (result.ContainsKey(key))
            {
                continue;
            }

            var snapshot = await _snapshots.GetAsync(key.TenantId, cancellationToken).ConfigureAwait(false);
            if (snapshot.Find(key.DestinationId) is { Runtime: { } routed })
            {
                result[key] = new Resolved(_mapper.Current(routed), null);
                continue;
            }

            var record = await _store.GetDestinationAsync(key.TenantId, key.DestinationId, cancellationToken).ConfigureAwait(false);
            if (record is null)
            {
                result[key] = default;
                continue;
            }

            try
            {
                result[key] = new Resolved(_mapper.ToRuntime(record), null);
            }
#pragma warning disable CA1031 // One unreadable destination must not hold up the others.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                var reason = DestinationMapper.DescribeUnreadable(ex);
                result[key] = new Resolved(null, reason);
                await _processor.ReportUnreadableAsync(key.TenantId, key.DestinationId, ex, reason, cancellationToken).ConfigureAwait(false);
            }
        }

        return result;
    }

    private async Task WaitForWorkAsync(CancellationToken cancellationToken)
    {
        var wait = _options.PollInterval;
        var next = await _store.GetNextDueTimeAsync(cancellationToken).ConfigureAwait(false);
        if (next is { } due)
        {
            var untilDue = due - _time.GetUtcNow();
            if (untilDue < wait)
            {
                wait = untilDue <= TimeSpan.Zero ? TimeSpan.FromMilliseconds(1) : untilDue;
            }
        }

        await _signal.WaitAsync(wait, _time, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A leased delivery's destination: its runtime, or why it cannot be read (both null: deleted).</summary>
    private readonly record struct Resolved(DestinationRuntime? Destination, string? Unreadable);
}
