using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Webhooks.Sdk.HealthChecks;

/// <summary>
/// Unhealthy when the store cannot be reached or the dispatcher loop has not turned within
/// <see cref="WebhooksHealthCheckOptions.DispatcherStallThreshold"/>; Degraded when the oldest due delivery is older than
/// <see cref="WebhooksHealthCheckOptions.OldestDueDegradedThreshold"/>; Healthy otherwise. The data carries the figures.
/// </summary>
internal sealed class WebhooksHealthCheck : IHealthCheck
{
    private readonly IWebhookQueueStatus _status;
    private readonly IOptionsMonitor<WebhooksHealthCheckOptions> _options;
    private readonly TimeProvider _time;

    public WebhooksHealthCheck(IWebhookQueueStatus status, IOptionsMonitor<WebhooksHealthCheckOptions> options, TimeProvider time)
    {
        _status = status;
        _options = options;
        _time = time;
    }

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var options = _options.Get(context.Registration.Name);
        WebhookQueueSnapshot snapshot;
        try
        {
            snapshot = await _status.GetSnapshotAsync(cancellationToken).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Any store failure means the store cannot be reached; the exception goes into the result.
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
#pragma warning restore CA1031
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "The webhook store cannot be reached: " + ex.GetType().Name, ex, new Dictionary<string, object> { ["store.reachable"] = false });
        }

        var data = new Dictionary<string, object>
        {
            ["store.reachable"] = true,
            ["dispatcher.enabled"] = snapshot.DispatcherEnabled,
        };
        if (snapshot.Counts is { } counts)
        {
            data["deliveries.pending"] = counts.Pending;
            data["deliveries.retrying"] = counts.Retrying;
            data["deliveries.dead"] = counts.Dead;
        }

        data["queue.oldest_due.age_seconds"] = Math.Round(snapshot.OldestDueAge.TotalSeconds, 3);

        if (snapshot.DispatcherEnabled)
        {
            var since = _time.GetUtcNow() - (snapshot.DispatcherLastTurnAt ?? snapshot.DispatcherCreatedAt);
            data["dispatcher.since_last_turn_seconds"] = Math.Round(since.TotalSeconds, 3);
            if (since > options.DispatcherStallThreshold)
            {
                return new HealthCheckResult(
                    context.Registration.FailureStatus,
                    string.Create(CultureInfo.InvariantCulture, $"The webhook dispatcher loop has not turned for {since.TotalSeconds:0.#} s (threshold {options.DispatcherStallThreshold.TotalSeconds:0.#} s)."),
                    data: data);
            }
        }

        var oldest = snapshot.OldestDueAge;
        if (oldest > options.OldestDueDegradedThreshold)
        {
            return HealthCheckResult.Degraded(
                string.Create(CultureInfo.InvariantCulture, $"The oldest due webhook delivery has waited {oldest.TotalSeconds:0.#} s (threshold {options.OldestDueDegradedThreshold.TotalSeconds:0.#} s)."),
                data: data);
        }

        return HealthCheckResult.Healthy(snapshot.Counts is null ? "The webhook dispatcher is keeping up (the store does not count its queue)." : "The webhook dispatcher is keeping up.", data);
    }
}
