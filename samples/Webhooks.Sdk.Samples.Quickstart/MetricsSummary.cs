using System.Diagnostics.Metrics;
using System.Globalization;

namespace Webhooks.Sdk.Samples.Quickstart;

/// <summary>
/// Listens to the library's meter (no OpenTelemetry needed: a plain <see cref="MeterListener"/>) and sums up the
/// attempts, the successes and the median attempt time in one line.
/// </summary>
internal sealed class MetricsSummary : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly List<double> _durations = [];
    private long _attempts;
    private long _successes;

    public MetricsSummary()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "Webhooks.Sdk" && instrument.Name is "messaging.client.sent.messages" or "messaging.client.operation.duration")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            Interlocked.Add(ref _attempts, value);
            foreach (var tag in tags)
            {
                if (tag is { Key: "webhooks.attempt.outcome", Value: "success" })
                {
                    Interlocked.Add(ref _successes, value);
                }
            }
        });
        _listener.SetMeasurementEventCallback<double>((_, seconds, _, _) =>
        {
            lock (_durations)
            {
                _durations.Add(seconds);
            }
        });
        _listener.Start();
    }

    public string Summarize()
    {
        double p50;
        lock (_durations)
        {
            var sorted = _durations.Order().ToArray();
            p50 = sorted.Length == 0 ? 0 : sorted[(sorted.Length - 1) / 2];
        }

        return string.Create(CultureInfo.InvariantCulture, $"metrics: {Interlocked.Read(ref _attempts)} attempts, {Interlocked.Read(ref _successes)} successes, p50 attempt time {p50 * 1000:0.0} ms");
    }

    public void Dispose() => _listener.Dispose();
}
