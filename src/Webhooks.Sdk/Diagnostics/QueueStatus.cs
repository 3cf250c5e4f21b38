using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Webhooks.Sdk.Storage;

namespace Webhooks.Sdk.Diagnostics;

/// <summary>When the dispatcher loop last turned; the dispatcher beats once per turn.</summary>
internal sealed class DispatcherHeartbeat(TimeProvider time)
{
    private long _lastTurnTicks;

    public DateTimeOffset CreatedAt { get; } = time.GetUtcNow();

    public DateTimeOffset? LastTurnAt
    {
        get
        {
            var ticks = Interlocked.Read(ref _lastTurnTicks);
            return ticks == 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
        }
    }

    public void Beat(DateTimeOffset now) => Interlocked.Exchange(ref _lastTurnTicks, now.UtcTicks);
}

/// <summary>Reads queue counts from the store for the health checks and keeps them for the gauges.</summary>
internal sealed class QueueStatus : IWebhookQueueStatus
{
    private readonly IWebhookStore _store;
    private readonly DispatcherHeartbeat _heartbeat;
    private readonly WebhookMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly IOptions<WebhooksOptions> _options;

    public QueueStatus(IWebhookStore store, DispatcherHeartbeat heartbeat, WebhookMetrics metrics, TimeProvider time, IOptions<WebhooksOptions> options)
    {
        _store = store;
        _heartbeat = heartbeat;
        _metrics = metrics;
        _time = time;
        _options = options;
    }

    public async Task<WebhookQueueSnapshot> GetSnapshotAsync(CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow();
        WebhookQueueCounts? counts = null;
        DateTimeOffset? oldestDue;
        if (_store is IWebhookQueueStatisticsStore statistics)
        {
            counts = await statistics.GetQueueCountsAsync(now, cancellationToken).ConfigureAwait(false);
            oldestDue = counts.OldestDueAt;
        }
        else
        {
            // Every store finds its oldest due delivery (all tenants); this also shows an unreachable store.
            oldestDue = await _store.GetOldestDueTimeAsync(null, now, cancellationToken).ConfigureAwait(false);
        }

        var oldestAge = oldestDue is { } due && due < now ? now - due : TimeSpan.Zero;
        _metrics.SetQueue(counts, oldestAge);

        return new WebhookQueueSnapshot
        {
            At = now,
            Counts = counts,
            OldestDueAge = oldestAge,
            DispatcherEnabled = _options.Value.Dispatcher.Enabled,
            DispatcherLastTurnAt = _heartbeat.LastTurnAt,
            DispatcherCreatedAt = _heartbeat.CreatedAt,
        };
    }
}

/// <summary>Counts the queue every <see cref="WebhookTelemetryOptions.QueueStatisticsInterval"/> for the gauges.</summary>
internal sealed class QueueStatisticsRefresher : BackgroundService
{
    private readonly IWebhookQueueStatus _status;
    private readonly TimeProvider _time;
    private readonly TimeSpan _interval;

    public QueueStatisticsRefresher(IWebhookQueueStatus status, TimeProvider time, IOptions<WebhooksOptions> options)
    {
        _status = status;
        _time = time;
        _interval = options.Value.Telemetry.QueueStatisticsInterval;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_interval <= TimeSpan.Zero)
        {
            return;
        }

        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await _status.GetSnapshotAsync(stoppingToken).ConfigureAwait(false);
                }
#pragma warning disable CA1031 // A store outage shows in the health check and the dispatcher's log; the gauges keep their last value.
                catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
                {
                }

                await Task.Delay(_interval, _time, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
