using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using Webhooks.Sdk.Delivery;
using Webhooks.Sdk.Storage;
using static Webhooks.Sdk.Diagnostics.WebhookTelemetry;
using T = Webhooks.Sdk.Diagnostics.WebhookTelemetry.Tags;

namespace Webhooks.Sdk.Diagnostics;

/// <summary>
/// The library's instruments on <see cref="Meter"/> <c>Webhooks.Sdk</c> (created through <see cref="IMeterFactory"/>).
/// Names follow the OpenTelemetry messaging conventions where one applies; tags are low-cardinality (format, outcome,
/// status class, reasons), with the destination id only when <see cref="WebhookTelemetryOptions.IncludeDestinationIdInMetrics"/>
/// is on. Every instrument is listed in docs/observability.md.
/// </summary>
internal sealed class WebhookMetrics : IDisposable
{
    private static readonly double[] AttemptBuckets = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30];
    private static readonly double[] DeliveryBuckets = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 4 * 3600, 12 * 3600, 86400];

    private readonly Meter _meter;
    private readonly bool _withDestination;
    private readonly Counter<long> _attempts;
    private readonly Histogram<double> _attemptDuration;
    private readonly Histogram<double> _deliveryDuration;
    private readonly Counter<long> _published;
    private readonly Counter<long> _succeeded;
    private readonly Counter<long> _exhausted;
    private readonly Counter<long> _redelivered;
    private readonly Counter<long> _postponed;
    private readonly Counter<long> _breaker;
    private volatile QueueSample? _queue;

    public WebhookMetrics(IMeterFactory meterFactory, IOptions<WebhooksOptions> options)
    {
        _withDestination = options.Value.Telemetry.IncludeDestinationIdInMetrics;
        _meter = meterFactory.Create(Name, typeof(WebhookMetrics).Assembly.GetName().Version?.ToString(3));
        _attempts = _meter.CreateCounter<long>("messaging.client.sent.messages", "{message}", "Delivery attempts made (one message sent to a destination), by outcome.");
        _attemptDuration = _meter.CreateHistogram("messaging.client.operation.duration", "s", "Duration of delivery attempts.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = AttemptBuckets });
        _deliveryDuration = _meter.CreateHistogram("webhooks.delivery.duration", "s", "Time from publish to successful delivery (retries included).", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DeliveryBuckets });
        _published = _meter.CreateCounter<long>("webhooks.deliveries.published", "{delivery}", "Deliveries queued by publishing.");
        _succeeded = _meter.CreateCounter<long>("webhooks.deliveries.succeeded", "{delivery}", "Deliveries that succeeded.");
        _exhausted = _meter.CreateCounter<long>("webhooks.deliveries.exhausted", "{delivery}", "Deliveries dead-lettered (failed for good), by reason.");
        _redelivered = _meter.CreateCounter<long>("webhooks.deliveries.redelivered", "{delivery}", "Final deliveries queued again by hand (redeliver, replay).");
        _postponed = _meter.CreateCounter<long>("webhooks.deliveries.postponed", "{delivery}", "Deliveries handed back without an attempt (rate limit, open breaker), by reason.");
        _breaker = _meter.CreateCounter<long>("webhooks.breaker.transitions", "{transition}", "State changes of the per-destination circuit breakers, by new state.");
        _meter.CreateObservableGauge("webhooks.deliveries.pending", () => Observe(q => q.Pending), "{delivery}", "Pending deliveries not attempted yet.");
        _meter.CreateObservableGauge("webhooks.deliveries.retrying", () => Observe(q => q.Retrying), "{delivery}", "Pending deliveries waiting for a retry.");
        _meter.CreateObservableGauge("webhooks.deliveries.dead", () => Observe(q => q.Dead), "{delivery}", "Failed (dead-lettered) deliveries kept in history.");
        _meter.CreateObservableGauge("webhooks.queue.oldest_due.age", ObserveOldest, "s", "Age of the oldest due pending delivery (0 when nothing is due).");
    }

    /// <summary>Records one attempt: its count by outcome and its duration.</summary>
    public void RecordAttempt(string format, string? destinationId, WebhookAttemptResult result, string outcome, TimeSpan duration)
    {
        var tags = Base(format, destinationId);
        tags.Add(T.MessagingOperationName, "send");
        tags.Add(T.AttemptOutcome, outcome);
        tags.Add(T.StatusClass, result.StatusCode is { } s ? StatusClassOf(s) : "none");
        if (!result.Success)
        {
            tags.Add(T.ErrorType, ErrorType(result));
        }

        _attempts.Add(1, tags);
        _attemptDuration.Record(duration.TotalSeconds, tags);
    }

    public void RecordPublished(string format, string? destinationId) => _published.Add(1, Base(format, destinationId));

    public void RecordSucceeded(string format, string? destinationId, TimeSpan sincePublish)
    {
        var tags = Base(format, destinationId);
        _succeeded.Add(1, tags);
        _deliveryDuration.Record(Math.Max(0, sincePublish.TotalSeconds), tags);
    }

    public void RecordExhausted(string? format, string? destinationId, string reason)
    {
        var tags = Base(format ?? "unknown", destinationId);
        tags.Add(T.DeadLetterReason, reason);
        _exhausted.Add(1, tags);
    }

    public void RecordRedelivered(int count)
    {
        if (count > 0)
        {
            _redelivered.Add(count, new KeyValuePair<string, object?>(T.MessagingSystem, WebhookTelemetry.MessagingSystem));
        }
    }

    public void RecordPostponed(string format, string? destinationId, string reason)
    {
        var tags = Base(format, destinationId);
        tags.Add(T.PostponeReason, reason);
        _postponed.Add(1, tags);
    }

    public void RecordBreaker(string? destinationId, string state)
    {
        var tags = new TagList { { T.MessagingSystem, WebhookTelemetry.MessagingSystem }, { T.BreakerState, state } };
        if (_withDestination && destinationId is not null)
        {
            tags.Add(T.DestinationId, destinationId);
        }

        _breaker.Add(1, tags);
    }

    /// <summary>Keeps the latest queue counts for the observable gauges.</summary>
    public void SetQueue(WebhookQueueCounts? counts, TimeSpan oldestDueAge) => _queue = new QueueSample(counts, oldestDueAge);

    public void Dispose() => _meter.Dispose();

    private static string StatusClassOf(int status) => status switch
    {
        >= 100 and < 200 => "1xx",
        >= 200 and < 300 => "2xx",
        >= 300 and < 400 => "3xx",
        >= 400 and < 500 => "4xx",
        >= 500 and < 600 => "5xx",
        _ => "other",
    };

    private TagList Base(string format, string? destinationId)
    {
        var tags = new TagList { { T.MessagingSystem, WebhookTelemetry.MessagingSystem }, { T.DestinationFormat, format } };
        if (_withDestination && destinationId is not null)
        {
            tags.Add(T.DestinationId, destinationId);
        }

        return tags;
    }

    private IEnumerable<Measurement<long>> Observe(Func<WebhookQueueCounts, long> value)
        => _queue is { Counts: { } counts } ? [new Measurement<long>(value(counts))] : [];

    private IEnumerable<Measurement<double>> ObserveOldest()
        => _queue is { } q ? [new Measurement<double>(q.OldestDueAge.TotalSeconds)] : [];

    private sealed record QueueSample(WebhookQueueCounts? Counts, TimeSpan OldestDueAge);
}
