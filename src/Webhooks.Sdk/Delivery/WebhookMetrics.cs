using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Webhooks.Sdk.Delivery;

/// <summary>Metrics (<see cref="Meter"/> <c>Webhooks.Sdk</c>) and traces (<see cref="ActivitySource"/> <c>Webhooks.Sdk</c>) for OpenTelemetry.</summary>
internal sealed class WebhookMetrics : IDisposable
{
    public const string Name = "Webhooks.Sdk";

    public static readonly ActivitySource ActivitySource = new(Name);

    private readonly Meter _meter;
    private readonly Counter<long> _attempts;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _published;

    public WebhookMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(Name);
        _attempts = _meter.CreateCounter<long>("webhooks.attempts", description: "Delivery attempts, by format and outcome.");
        _duration = _meter.CreateHistogram<double>("webhooks.attempt.duration", unit: "s", description: "Duration of delivery attempts.");
        _published = _meter.CreateCounter<long>("webhooks.deliveries.queued", description: "Deliveries queued by publishing.");
    }

    public void RecordAttempt(string format, bool success, TimeSpan duration)
    {
        var tags = new TagList { { "webhooks.format", format }, { "webhooks.success", success } };
        _attempts.Add(1, tags);
        _duration.Record(duration.TotalSeconds, tags);
    }

    public void RecordQueued(int count) => _published.Add(count);

    public void Dispose() => _meter.Dispose();
}
