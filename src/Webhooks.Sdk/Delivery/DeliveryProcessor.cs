using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Webhooks.Sdk.Destinations;
using Webhooks.Sdk.Diagnostics;
using Webhooks.Sdk.Internal;
using Webhooks.Sdk.Storage;

namespace Webhooks.Sdk.Delivery;

/// <summary>
/// Handles one leased delivery: rate limit, attempt, classification, then the store update (succeeded, rescheduled with
/// backoff or Retry-After, or dead-lettered) and the destination's health (auto-disable, 410 Gone). Any failure while
/// preparing or sending the attempt (rendering, URL building, credentials, decryption, a corrupt stored event) is a
/// failed attempt with its error: it counts toward the retry budget, so no delivery stays leased forever and none
/// blocks its ordering key forever.
/// </summary>
internal sealed class DeliveryProcessor
{
    private static readonly TimeSpan MaxInProcessRateWait = TimeSpan.FromMilliseconds(250);

    private readonly IWebhookStore _store;
    private readonly DeliverySender _sender;
    private readonly EventCache _events;
    private readonly DestinationMapper _mapper;
    private readonly DestinationSnapshots _snapshots;
    private readonly CompletionBatcher _completions;
    private readonly IWebhookObserver[] _observers;
    private readonly InstanceShare _instances;
    private readonly TimeProvider _time;
    private readonly WebhooksOptions _options;
    private readonly ILogger _logger;
    private readonly WebhookMetrics _metrics;
    private static readonly TimeSpan DefaultThrottleWait = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan HalfOpenWait = TimeSpan.FromMilliseconds(500);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Tenant, string Id), DateTimeOffset> _throttledUntil = new();
    private readonly OperationalEvents _operational;

    public DeliveryProcessor(
        IWebhookStore store,
        DeliverySender sender,
        EventCache events,
        DestinationMapper mapper,
        DestinationSnapshots snapshots,
        CompletionBatcher completions,
        IEnumerable<IWebhookObserver> observers,
        InstanceShare instances,
        TimeProvider time,
        IOptions<WebhooksOptions> options,
        ILogger<DeliveryProcessor> logger,
        WebhookMetrics metrics,
        OperationalEvents operational)
    {
        _store = store;
        _sender = sender;
        _events = events;
        _mapper = mapper;
        _snapshots = snapshots;
        _completions = completions;
        _observers = observers.ToArray();
        _instances = instances;
        _time = time;
        _options = options.Value;
        _logger = logger;
        _metrics = metrics;
        _operational = operational;
    }

    /// <summary>Processes one leased delivery.</summary>
    /// <param name="leased">The delivery.</param>
    /// <param name="destination">Its destination, or <see langword="null"/> when it was deleted or cannot be read.</param>
    /// <param name="unreadable">Why the destination cannot be read, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops the attempt (the host is stopping).</param>
    /// <returns>A task that completes when the outcome is recorded (or queued for the next completion batch). Its state machine is pooled: await it once.</returns>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask ProcessAsync(LeasedDelivery leased, DestinationRuntime? destination, string? unreadable, CancellationToken cancellationToken)
    {
        var delivery = leased.Delivery;
        using var logScope = DeliveryLogScope.Begin(_logger, delivery);
        if (unreadable is not null)
        {
            // The destination's own deliveries fail with the reason, within their retry budget (the key may come back).
            var failed = new AttemptOutcome(new WebhookAttemptResult { Success = false, Error = unreadable }, _time.GetUtcNow(), TimeSpan.Zero);
            await RecordAsync(leased, null, delivery.AttemptCount + 1, failed, CancellationToken.None).ConfigureAwait(false);
            return;
        }

        if (destination is null || !destination.Record.Enabled)
        {
            var why = destination is null ? "The destination was deleted." : "The destination is disabled: " + (destination.Record.DisabledReason ?? "by hand") + ".";
            await CompleteAsync(leased, null, WebhookDeliveryStatus.Failed, why, cancellationToken).ConfigureAwait(false);
            _metrics.RecordExhausted(destination?.Config.Format, delivery.DestinationId, destination is null ? "destination_deleted" : "destination_disabled");
            return;
        }

        if (_throttledUntil.TryGetValue((destination.TenantId, destination.Id), out var throttledUntil) && throttledUntil > _time.GetUtcNow())
        {
            // The destination asked to slow down: hold its queue until the time it named, without using an attempt.
            await PostponeAsync(leased, throttledUntil, "throttled by the destination", cancellationToken).ConfigureAwait(false);
            return;
        }

        var attemptNumber = delivery.AttemptCount + 1;
        AttemptOutcome outcome;
        CorrelationFlow? correlation = null;
        var startedAt = _time.GetUtcNow();
        try
        {
            if (destination.State?.Bucket(startedAt) is { } bucket)
            {
                var wait = bucket.TryAcquire(startedAt, MaxInProcessRateWait, _instances, out var availableAt);
                if (wait is null)
                {
                    await PostponeAsync(leased, availableAt, "rate limit", cancellationToken).ConfigureAwait(false);
                    _metrics.RecordPostponed(destination.Config.Format, destination.Id, "rate_limit");
                    return;
                }

                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait.Value, _time, cancellationToken).ConfigureAwait(false);
                }

                // Reservations that fell due together (after a pause of the process) still go out no faster than the share.
                while (bucket.WaitForSendSlot(_time.GetUtcNow(), _instances.Count) is var slot && slot > TimeSpan.Zero)
                {
                    await Task.Delay(slot, _time, cancellationToken).ConfigureAwait(false);
                }
            }

            var cached = _events.Get(leased.Event);
            correlation = await CorrelationFlow.BeginAsync(_store, destination, cached.Event, cancellationToken).ConfigureAwait(false);
            var runId = await DeliveryRunId.ComputeAsync(_store, delivery, destination, attemptNumber, cancellationToken).ConfigureAwait(false);
            using (var span = WebhookTelemetry.StartAttempt(leased, destination, attemptNumber))
            {
                WebhookTracePropagator.Suppressed = !destination.Config.PropagateTraceContext;
                outcome = correlation.Classify(await _sender.SendAsync(destination, cached, attemptNumber, correlation.CorrelationId, useBreaker: true, cancellationToken, correlation.Capture, runId, _options.Safety.ResponseExcerptOnSuccess).ConfigureAwait(false));
                WebhookTelemetry.SetOutcome(span, outcome);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // Whatever fails while preparing or sending is this attempt's error, never the dispatcher's.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.AttemptPreparationFailed(_logger, ex, delivery.Id, destination.Id);
            var error = Redaction.Error("The attempt could not be made: " + ex.GetType().Name + ": " + ex.Message, destination.Url);
            outcome = new AttemptOutcome(new WebhookAttemptResult { Success = false, Error = error }, startedAt, _time.GetUtcNow() - startedAt);
        }

        if (outcome.BreakerOpen)
        {
            // Until the break ends, or (half-open, a probe in flight) shortly: the backlog drains as soon as the probe succeeds.
            var breakLeft = outcome.BreakerRetryAfter is { } left && left > TimeSpan.Zero ? left : HalfOpenWait;
            await PostponeAsync(leased, _time.GetUtcNow() + breakLeft, "circuit breaker open", cancellationToken).ConfigureAwait(false);
            _metrics.RecordPostponed(destination.Config.Format, destination.Id, "circuit_open");
            return;
        }

        if (outcome.Throttled)
        {
            var until = _time.GetUtcNow() + (outcome.Result.RetryAfter is { } asked && asked > TimeSpan.Zero ? asked : DefaultThrottleWait);
            _throttledUntil.AddOrUpdate((destination.TenantId, destination.Id), until, (_, current) => current > until ? current : until);
        }

        var final = outcome.Result.Success || outcome.Result.Gone || outcome.Result.Permanent || attemptNumber >= delivery.MaxAttempts;
        if (correlation is not null)
        {
            // The exchange happened: record it even when the host is stopping, or it would be sent again needlessly.
            await correlation.CompleteAsync(_store, destination, outcome, final, CancellationToken.None).ConfigureAwait(false);
        }

        await RecordAsync(leased, destination, attemptNumber, outcome, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Reports a destination whose record cannot be read (log and observers).</summary>
    public async Task ReportUnreadableAsync(string tenantId, string destinationId, Exception exception, string reason, CancellationToken cancellationToken)
    {
        Log.DestinationUnreadable(_logger, exception, destinationId, tenantId);
        await NotifyAsync((o, ct) => o.OnDestinationUnreadableAsync(tenantId, destinationId, reason, ct), cancellationToken).ConfigureAwait(false);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask RecordAsync(LeasedDelivery leased, DestinationRuntime? destination, int attemptNumber, AttemptOutcome outcome, CancellationToken cancellationToken)
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
            Log.DeliverySucceeded(_logger, delivery.Id, delivery.DestinationId, result.StatusCode, attemptNumber, (long)outcome.Duration.TotalMilliseconds);
        }
        else if (!result.Gone && !result.Permanent && attemptNumber < delivery.MaxAttempts)
        {
            status = WebhookDeliveryStatus.Pending;
            dueAt = now + RetrySchedule.Delay(_options.Retry, attemptNumber, result.RetryAfter, Random.Shared.NextDouble());
            Log.DeliveryWillRetry(_logger, delivery.Id, delivery.DestinationId, destination is null ? "-" : Redaction.Url(destination.Url), attemptNumber, result.StatusCode, result.Error, dueAt);
        }
        else
        {
            status = WebhookDeliveryStatus.Failed;
            Log.DeliveryFailed(_logger, delivery.Id, delivery.DestinationId, destination is null ? "-" : Redaction.Url(destination.Url), attemptNumber, result.StatusCode, result.Error);
        }

        _metrics.RecordAttempt(destination?.Config.Format ?? "unknown", delivery.DestinationId, result, status switch { WebhookDeliveryStatus.Succeeded => "success", WebhookDeliveryStatus.Pending => "retry", _ => "exhausted" }, outcome.Duration);
        var completion = new DeliveryCompletion
        {
            TenantId = delivery.TenantId,
            DeliveryId = delivery.Id,
            LeaseToken = leased.LeaseToken,
            Attempt = attempt,
            Status = status,
            DueAt = dueAt,
            CompletedAt = status == WebhookDeliveryStatus.Pending ? null : now,
        };
        bool completed;
        if (status == WebhookDeliveryStatus.Succeeded && attemptNumber <= _operational.FailingAfterAttempts && delivery.OrderingKey is null)
        {
            // A plain success frees its worker at once: its completion goes into the next batch, and the lease stays
            // held (and renewed) until it is written. A crash before that costs a duplicate, never a loss. (With an
            // ordering key the worker waits: the next delivery of the key is leasable only once this one is written.)
            _completions.Complete(completion);
            completed = true;
        }
        else
        {
            // Failures (with their retry schedule) and reported outcomes are durable before the worker goes on.
            completed = await _completions.CompleteAsync(completion).ConfigureAwait(false);
            if (!completed)
            {
                Log.LeaseLost(_logger, delivery.Id);
            }
        }

        DestinationOutcomeResult? health = null;
        if (destination is not null && !outcome.Throttled && !(destination.State?.SkipSuccessRecord(result.Success, destination.Record.ConsecutiveFailures, now) ?? false))
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

        if (completed)
        {
            await ReportAsync(delivery, destination, status, attemptNumber, result, dueAt, now, cancellationToken).ConfigureAwait(false);
        }

        if (health is not null)
        {
            // Keep this instance's view of the destination's health current (the next attempt reads it from here).
            RefreshHealth(health.Destination);
        }

        if (health is { JustDisabled: true })
        {
            _snapshots.Invalidate(health.Destination.TenantId);
            Log.DestinationDisabled(_logger, health.Destination.Id, health.Destination.TenantId, health.Destination.DisabledReason ?? "unknown");
            var disabled = _mapper.ToRuntime(health.Destination).Masked;
            await _operational.DestinationDisabledAsync(disabled, cancellationToken).ConfigureAwait(false);
        }
    }

    private void RefreshHealth(DestinationRecord record)
    {
        try
        {
            _mapper.ToRuntime(record);
        }
#pragma warning disable CA1031 // Only a cache refresh: the record is read again when needed.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    /// <summary>Counts a finished attempt's delivery outcome and raises the operational moments (failing, exhausted, recovered).</summary>
    private async Task ReportAsync(DeliveryRecord delivery, DestinationRuntime? destination, WebhookDeliveryStatus status, int attemptNumber, WebhookAttemptResult result, DateTimeOffset dueAt, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var failing = _operational.FailingAfterAttempts;
        var reported = status switch
        {
            WebhookDeliveryStatus.Succeeded => attemptNumber > failing,
            WebhookDeliveryStatus.Pending => attemptNumber == failing,
            _ => true,
        };
        if (status == WebhookDeliveryStatus.Succeeded)
        {
            _metrics.RecordSucceeded(destination?.Config.Format ?? "unknown", delivery.DestinationId, now - delivery.CreatedAt);
        }
        else if (status == WebhookDeliveryStatus.Failed)
        {
            _metrics.RecordExhausted(destination?.Config.Format, delivery.DestinationId, result.Gone ? "gone" : "attempts_exhausted");
        }

        if (!reported)
        {
            return;
        }

        var view = DeliveryMapping.ToPublic(delivery with
        {
            Status = status,
            AttemptCount = attemptNumber,
            DueAt = dueAt,
            CompletedAt = status == WebhookDeliveryStatus.Pending ? null : now,
            LastError = result.Error,
            LastStatusCode = result.StatusCode,
        });
        await (status switch
        {
            WebhookDeliveryStatus.Succeeded => _operational.DeliveryRecoveredAsync(delivery.TenantId, view, cancellationToken),
            WebhookDeliveryStatus.Pending => _operational.DeliveryFailingAsync(delivery.TenantId, view, cancellationToken),
            _ => _operational.DeliveryExhaustedAsync(delivery.TenantId, view, cancellationToken),
        }).ConfigureAwait(false);
    }

    private async Task PostponeAsync(LeasedDelivery leased, DateTimeOffset dueAt, string why, CancellationToken cancellationToken)
    {
        Log.DeliveryPostponed(_logger, leased.Delivery.Id, dueAt, why);
        await _completions.CompleteAsync(leased.PostponedTo(dueAt)).ConfigureAwait(false);
    }

    private Task<bool> CompleteAsync(LeasedDelivery leased, AttemptRecord? attempt, WebhookDeliveryStatus status, string reason, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        Log.DeliveryFailed(_logger, leased.Delivery.Id, leased.Delivery.DestinationId, "-", leased.Delivery.AttemptCount, null, reason);
        return _completions.CompleteAsync(
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
            });
    }

    private async Task NotifyAsync(Func<IWebhookObserver, CancellationToken, ValueTask> call, CancellationToken cancellationToken)
    {
        foreach (var observer in _observers)
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
