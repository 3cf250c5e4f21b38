using BenchmarkDotNet.Attributes;
using Webhooks.Sdk.Delivery;
using Webhooks.Sdk.Formatting;

namespace Webhooks.Sdk.Benchmarks.Micro;

/// <summary>The default JSON envelope: one serialization per event (reused by every destination), and the stored form.</summary>
[MemoryDiagnoser]
public class EnvelopeBenchmarks
{
    private WebhookEvent _small = null!;
    private WebhookEvent _rich = null!;
    private byte[] _stored = null!;

    /// <summary>Builds the events.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var at = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        _small = WebhookEvent.Create("scan.completed", new { findings = 3 }) with { Id = "evt_small", OccurredAt = at };
        _rich = WebhookEvent.Create("scan.completed", new
        {
            scanId = "scan_0123456789",
            target = "https://app.example.test/",
            findings = Enumerable.Range(0, 10).Select(i => new { id = "F" + i, severity = i % 3 == 0 ? "high" : "low", title = "Finding number " + i }).ToArray(),
        }) with
        {
            Id = "evt_rich",
            OccurredAt = at,
            Title = "Nightly scan finished",
            Summary = "10 findings, 4 high",
            Severity = WebhookSeverity.Warning,
            Source = "scanner",
            Subject = "app.example.test",
            CorrelationKey = "scan_0123456789",
            Metadata = new Dictionary<string, string> { ["actor"] = "scheduler", ["payloadVersion"] = "2" },
        };
        _stored = EventSerialization.Serialize(_rich);
    }

    /// <summary>Envelope of a small event.</summary>
    /// <returns>The bytes.</returns>
    [Benchmark(Baseline = true)]
    public byte[] SerializeSmallEnvelope() => EnvelopeSerializer.Serialize(_small);

    /// <summary>Envelope of an event with every optional field and a 10-item payload.</summary>
    /// <returns>The bytes.</returns>
    [Benchmark]
    public byte[] SerializeRichEnvelope() => EnvelopeSerializer.Serialize(_rich);

    /// <summary>The stored form of the event (written once at publish).</summary>
    /// <returns>The bytes.</returns>
    [Benchmark]
    public byte[] SerializeStoredEvent() => EventSerialization.Serialize(_rich);

    /// <summary>Reading the stored form back (what a durable store's dispatcher does after a restart).</summary>
    /// <returns>The event.</returns>
    [Benchmark]
    public WebhookEvent DeserializeStoredEvent() => EventSerialization.Deserialize(_stored);
}
