using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Webhooks.Sdk.Destinations;
using Webhooks.Sdk.Internal;
using Webhooks.Sdk.Storage;

namespace Webhooks.Sdk.Delivery;

/// <summary>
/// Handles one leased delivery: rate limit, attempt, classification, then the store update (succeeded, rescheduled with
/// backoff or Retry-After, or dead-lettered) and the destination's health (auto-disable, 410 Gone).
/// </summary>
internal sealed class DeliveryProcessor
{
    private static readonly TimeSpan MaxInProcessRateWait = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan SuccessRecordInterval = TimeSpan.FromSeconds(1);

    private readonly IWebhookStore _store;
    private readonly DeliverySender _sender;
    private readonly EventCache _events;
    private readonly DestinationRateLimiter _rateLimiter;
    private readonly TimeProvider _time;
    private readonly WebhooksOptions _options;
    private readonly ILogger _logger;
    private readonly IServiceProvider _services;
    private readonly WebhookMetrics _metrics;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Tenant, string Id), long> _lastSuccessRecorded = new();

    public DeliveryProcessor(
        IWebhookStore store,
        DeliverySender sender,
        EventCache events,
        DestinationRateLimiter rateLimiter,
        TimeProvider time,
        IOptions<WebhooksOptions> options,
        ILogger<DeliveryProcessor> logger,
        IServiceProvider services,
        WebhookMetrics metrics)
    {
        _store = store;
        _sender = sender;
        _events = events;
        _rateLimiter = rateLimiter;
        _time = time;
        _options = options.Value;
        _logger = logger;
        _services = services;
        _metrics = metrics;
    }

    public async Task ProcessAsync(LeasedDelivery leased, DestinationRuntime? destination, CancellationToken cancellationToken)
    {
        var delivery = leased.Delivery;
        if (destination is null || !destination.Record.Enabled)
        {
            var why = destination is null ? "The destination was deleted." : "The destination is disabled: " + (destination.Record.DisabledReason ?? "by hand") + ".";
            await CompleteAsync(leased, null, WebhookDeliveryStatus.Failed, why, cancellationToken).ConfigureAwait(false);
            return;
        }

        var now = _time.GetUtcNow();
        if (destination.Config.RateLimit is { } limit)
        {
            var wait = _rateLimiter.TryAcquire(destination.TenantId, destination.Id, limit, now, MaxInProcessRateWait, out var availableAt);
            if (wait is null)
            {
                await PostponeAsync(leased, availableAt, "rate limit", cancellationToken).ConfigureAwait(false);
                return;
            }

            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait.Value, _time, cancellationToken).ConfigureAwait(false);
            }
        }

        var cached = _events.Get(leased.Event);
        var attemptNumber = delivery.AttemptCount + 1;
        var correlation = await CorrelationFlow.BeginAsync(_store, destination, cached.Event, cancellationToken).ConfigureAwait(false);
        var outcome = correlation.Classify(await _sender.SendAsync(destination, cached, attemptNumber, correlation.CorrelationId, useBreaker: true, cancellationToken, correlation.Capture).ConfigureAwait(false));
        if (outcome.BreakerOpen)
        {
            await PostponeAsync(leased, _time.GetUtcNow() + _options.Health.BreakerBreakDuration, "circuit breaker open", cancellationToken).ConfigureAwait(false);
            return;
        }

        var final = outcome.Result.Success || outcome.Result.Gone || attemptNumber >= delivery.MaxAttempts;
        // The exchange happened: record it even when the host is stopping, or it would be sent again needlessly.
        await correlation.CompleteAsync(_store, destination, outcome, final, CancellationToken.None).ConfigureAwait(false);

        await RecordAsync(leased, destination, attemptNumber, outcome, CancellationToken.None).ConfigureAwait(false);
    }

    private async Task RecordAsync(LeasedDelivery leased, DestinationRuntime destination, int attemptNumber, AttemptOutcome outcome, CancellationToken cancellationToken)
    {
        var delivery = leased.Delivery;
        var result = outcome.Result;
        var attempt = new AttemptRecord
        {
            TenantId = delivery.TenantId,
            DeliveryId = delivery.Id,
            Number = attemptNumber,
            StartedAt = outcome.StartedAt,
            Duration = outcome.Duration,
            StatusCode = result.StatusCode,
            Success = result.Success,
            Error = result.Error,
            ResponseExcerpt = result.ResponseExcerpt,
        };
        var now = _time.GetUtcNow();
        WebhookDeliveryStatus status;
        var dueAt = now;
        if (result.Success)
        {
            status = WebhookDeliveryStatus.Succeeded;
            Log.DeliverySucceeded(_logger, delivery.Id, destination.Id, result.StatusCode, attemptNumber, (long)outcome.Duration.TotalMilliseconds);
        }
        else if (!result.Gone && attemptNumber < delivery.MaxAttempts)
        {
            status = WebhookDeliveryStatus.Pending;
            dueAt = now + RetrySchedule.Delay(_options.Retry, attemptNumber, result.RetryAfter, Random.Shared.NextDouble());
            Log.DeliveryWillRetry(_logger, delivery.Id, destination.Id, Redaction.Url(destination.Url), attemptNumber, result.StatusCode, result.Error, dueAt);
        }
        else
        {
            status = WebhookDeliveryStatus.Failed;
            Log.DeliveryFailed(_logger, delivery.Id, destination.Id, Redaction.Url(destination.Url), attemptNumber, result.StatusCode, result.Error);
        }

        _metrics.RecordAttempt(destination.Public.Format, result.Success, outcome.Duration);
        var completed = await _store.CompleteAsync(
            new DeliveryCompletion
            {
                TenantId = delivery.TenantId,
                DeliveryId = delivery.Id,
                LeaseToken = leased.LeaseToken,
                Attempt = attempt,
                Status = status,
                DueAt = dueAt,
                CompletedAt = status == WebhookDeliveryStatus.Pending ? null : now,
            },
            cancellationToken).ConfigureAwait(false);
        if (!completed)
        {
            Log.LeaseLost(_logger, delivery.Id);
        }

        DestinationOutcomeResult? health = null;
        if (!SkipSuccessRecord(destination, result.Success, now))
        {
            health = await _store.RecordDestinationOutcomeAsync(
                new DestinationOutcome
                {
                    TenantId = destination.TenantId,
                    DestinationId = destination.Id,
                    At = now,
                    Success = result.Success,
                    DisableAfterConsecutiveFailures = _options.Health.DisableAfterConsecutiveFailures > 0 ? _options.Health.DisableAfterConsecutiveFailures : null,
                    DisableNowReason = result.Gone && !outcome.KeepDestination ? "The destination answered 410 Gone." : null,
                },
                cancellationToken).ConfigureAwait(false);
        }

        if (status == WebhookDeliveryStatus.Failed && completed)
        {
            var failed = DeliveryMapping.ToPublic(delivery with
            {
                Status = status,
                AttemptCount = attemptNumber,
                CompletedAt = now,
                LastError = result.Error,
                LastStatusCode = result.StatusCode,
            });
            await NotifyAsync((o, ct) => o.OnDeliveryFailedAsync(failed, ct), cancellationToken).ConfigureAwait(false);
        }

        if (health is { JustDisabled: true })
        {
            Log.DestinationDisabled(_logger, destination.Id, destination.TenantId, health.Destination.DisabledReason ?? "unknown");
            var mapper = _services.GetRequiredService<DestinationMapper>();
            var disabled = mapper.ToRuntime(health.Destination).Masked;
            await NotifyAsync((o, ct) => o.OnDestinationDisabledAsync(disabled, ct), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A success on a healthy destination (no failures since the last recorded success) is written to the store at
    /// most once per <see cref="SuccessRecordInterval"/>: <c>LastSuccessAt</c> is that coarse, and a busy destination
    /// costs one store write per delivery instead of two. Failures are always recorded.
    /// </summary>
    private bool SkipSuccessRecord(DestinationRuntime destination, bool success, DateTimeOffset now)
    {
        var key = (destination.TenantId, destination.Id);
        if (!success)
        {
            _lastSuccessRecorded.TryRemove(key, out _);
            return false;
        }

        if (destination.Record.ConsecutiveFailures == 0
            && _lastSuccessRecorded.TryGetValue(key, out var last)
            && now.UtcTicks - last < SuccessRecordInterval.Ticks
            && now.UtcTicks >= last)
        {
            return true;
        }

        _lastSuccessRecorded[key] = now.UtcTicks;
        return false;
    }

    private async Task PostponeAsync(LeasedDelivery leased, DateTimeOffset dueAt, string why, CancellationToken cancellationToken)
    {
        Log.DeliveryPostponed(_logger, leased.Delivery.Id, dueAt, why);
        await _store.CompleteAsync(
            new DeliveryCompletion
            {
                TenantId = leased.Delivery.TenantId,
                DeliveryId = leased.Delivery.Id,
                LeaseToken = leased.LeaseToken,
                Status = WebhookDeliveryStatus.Pending,
                DueAt = dueAt,
            },
            cancellationToken).ConfigureAwait(false);
    }

    private Task<bool> CompleteAsync(LeasedDelivery leased, AttemptRecord? attempt, WebhookDeliveryStatus status, string reason, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        Log.DeliveryFailed(_logger, leased.Delivery.Id, leased.Delivery.DestinationId, "-", leased.Delivery.AttemptCount, null, reason);
        return _store.CompleteAsync(
            new DeliveryCompletion
            {
                TenantId = leased.Delivery.TenantId,
                DeliveryId = leased.Delivery.Id,
                LeaseToken = leased.LeaseToken,
                Attempt = attempt ?? new AttemptRecord
                {
                    TenantId = leased.Delivery.TenantId,
                    DeliveryId = leased.Delivery.Id,
                    Number = leased.Delivery.AttemptCount + 1,
                    StartedAt = now,
                    Duration = TimeSpan.Zero,
                    Success = false,
                    Error = reason,
                },
                Status = status,
                DueAt = now,
                CompletedAt = now,
            },
            cancellationToken);
    }

    private async Task NotifyAsync(Func<IWebhookObserver, CancellationToken, ValueTask> call, CancellationToken cancellationToken)
    {
        foreach (var observer in _services.GetServices<IWebhookObserver>())
        {
            try
            {
                await call(observer, cancellationToken).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // An observer's failure must not stop delivery.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Log.ObserverFailed(_logger, ex);
            }
        }
    }
}

/// <summary>Maps store delivery records to the public history model.</summary>
internal static class DeliveryMapping
{
    public static WebhookDelivery ToPublic(DeliveryRecord r) => new()
    {
        Id = r.Id,
        EventId = r.EventId,
        EventType = r.EventType,
        DestinationId = r.DestinationId,
        Status = r.Status,
        AttemptCount = r.AttemptCount,
        CreatedAt = r.CreatedAt,
        NextAttemptAt = r.Status == WebhookDeliveryStatus.Pending ? r.DueAt : null,
        CompletedAt = r.CompletedAt,
        LastStatusCode = r.LastStatusCode,
        LastError = r.LastError,
        IsTest = r.IsTest,
    };

    public static WebhookDeliveryAttempt ToPublic(AttemptRecord a) => new()
    {
        Number = a.Number,
        StartedAt = a.StartedAt,
        Duration = a.Duration,
        StatusCode = a.StatusCode,
        Success = a.Success,
        Error = a.Error,
        ResponseExcerpt = a.ResponseExcerpt,
    };
}
