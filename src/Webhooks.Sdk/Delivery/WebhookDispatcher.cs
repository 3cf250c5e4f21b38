using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Webhooks.Sdk.Destinations;
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

    private readonly IWebhookStore _store;
    private readonly DeliveryProcessor _processor;
    private readonly DestinationMapper _mapper;
    private readonly DispatchSignal _signal;
    private readonly TimeProvider _time;
    private readonly WebhookDispatcherOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<(string Tenant, string Id), DestinationGate> _gates = new();
    private readonly ConcurrentDictionary<Task, byte> _inFlight = new();

    public WebhookDispatcher(
        IWebhookStore store,
        DeliveryProcessor processor,
        DestinationMapper mapper,
        DispatchSignal signal,
        TimeProvider time,
        IOptions<WebhooksOptions> options,
        ILogger<WebhookDispatcher> logger)
    {
        _store = store;
        _processor = processor;
        _mapper = mapper;
        _signal = signal;
        _time = time;
        _options = options.Value.Dispatcher;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            // Another process sends (WebhookDispatcherOptions.Enabled = false): this one only publishes and manages.
            return;
        }

        using var slots = new SemaphoreSlim(_options.MaxConcurrency, _options.MaxConcurrency);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await slots.WaitAsync(stoppingToken).ConfigureAwait(false);
                var held = 1;
                try
                {
                    var free = slots.CurrentCount + 1;
                    var leased = await _store.LeaseDueAsync(
                        new LeaseRequest { MaxCount = free, Now = _time.GetUtcNow(), Duration = _options.LeaseDuration },
                        stoppingToken).ConfigureAwait(false);
                    if (leased.Count == 0)
                    {
                        slots.Release();
                        held = 0;
                        await WaitForWorkAsync(stoppingToken).ConfigureAwait(false);
                        continue;
                    }

                    while (held < leased.Count)
                    {
                        await slots.WaitAsync(stoppingToken).ConfigureAwait(false);
                        held++;
                    }

                    var destinations = await ResolveDestinationsAsync(leased, stoppingToken).ConfigureAwait(false);
                    foreach (var item in leased)
                    {
                        destinations.TryGetValue((item.Delivery.TenantId, item.Delivery.DestinationId), out var destination);
                        held--;
                        Track(RunAsync(item, destination, slots, stoppingToken));
                    }
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    throw;
                }
#pragma warning disable CA1031 // The dispatcher outlives store outages: log, wait, try again.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    if (held > 0)
                    {
                        slots.Release(held);
                    }

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
            await Task.WhenAll(_inFlight.Keys).ConfigureAwait(false);
        }
    }

    private void Track(Task task)
    {
        _inFlight.TryAdd(task, 0);
        task.ContinueWith(static (t, state) => ((ConcurrentDictionary<Task, byte>)state!).TryRemove(t, out _), _inFlight, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private async Task RunAsync(LeasedDelivery item, DestinationRuntime? destination, SemaphoreSlim slots, CancellationToken stoppingToken)
    {
        await Task.Yield();
        DestinationGate? gate = null;
        var entered = false;
        try
        {
            if (destination is not null)
            {
                var candidate = _gates.GetOrAdd((destination.TenantId, destination.Id), _ => new DestinationGate(_options.MaxConcurrencyPerDestination));
                if (!candidate.TryQueue())
                {
                    await PostponeAsync(item, _time.GetUtcNow() + PerDestinationOverflowDelay).ConfigureAwait(false);
                    return;
                }

                gate = candidate;

                await gate.Semaphore.WaitAsync(stoppingToken).ConfigureAwait(false);
                entered = true;
            }

            await _processor.ProcessAsync(item, destination, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: hand the delivery back so it is due at once instead of when the lease expires.
            await PostponeAsync(item, _time.GetUtcNow()).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // One delivery's failure must not stop the others; its lease expires and it is tried again.
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

            slots.Release();
        }
    }

    private async Task PostponeAsync(LeasedDelivery item, DateTimeOffset dueAt)
    {
        try
        {
            await _store.CompleteAsync(
                new DeliveryCompletion
                {
                    TenantId = item.Delivery.TenantId,
                    DeliveryId = item.Delivery.Id,
                    LeaseToken = item.LeaseToken,
                    Status = WebhookDeliveryStatus.Pending,
                    DueAt = dueAt,
                },
                CancellationToken.None).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // If the store is down the lease simply expires.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.ProcessingFailed(_logger, ex, item.Delivery.Id);
        }
    }

    private async Task<Dictionary<(string, string), DestinationRuntime>> ResolveDestinationsAsync(IReadOnlyList<LeasedDelivery> leased, CancellationToken cancellationToken)
    {
        var result = new Dictionary<(string, string), DestinationRuntime>();
        foreach (var item in leased)
        {
            var key = (item.Delivery.TenantId, item.Delivery.DestinationId);
            if (result.ContainsKey(key))
            {
                continue;
            }

            var record = await _store.GetDestinationAsync(key.TenantId, key.DestinationId, cancellationToken).ConfigureAwait(false);
            if (record is not null)
            {
                result[key] = _mapper.ToRuntime(record);
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

    /// <summary>Bounds the attempts in flight to one destination; a few more may wait, the rest are postponed briefly.</summary>
    private sealed class DestinationGate(int limit)
    {
        private int _queued;

        public SemaphoreSlim Semaphore { get; } = new(limit, limit);

        public bool TryQueue()
        {
            if (Interlocked.Increment(ref _queued) > limit * 2)
            {
                Interlocked.Decrement(ref _queued);
                return false;
            }

            return true;
        }

        public void Dequeue() => Interlocked.Decrement(ref _queued);
    }
}
