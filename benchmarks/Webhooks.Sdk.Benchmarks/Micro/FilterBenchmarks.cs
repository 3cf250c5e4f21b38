using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Webhooks.Sdk.Routing.Filters;

namespace Webhooks.Sdk.Benchmarks.Micro;

/// <summary>
/// Payload filter evaluation at routing, per event and destination: equality on the event type, <c>$in</c> and
/// <c>$gte</c> on top-level data fields, and a nested filter. The first three must not allocate.
/// </summary>
[MemoryDiagnoser]
public class FilterBenchmarks
{
    private static readonly string[] Tags = ["sqli", "owasp"];
    private WebhookEvent _event = null!;
    private EventFilter _equality = null!;
    private EventFilter _in = null!;
    private EventFilter _gte = null!;
    private EventFilter _nested = null!;

    /// <summary>Builds the event and compiles the filters.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _event = WebhookEvent.Create("scan.finding", new
        {
            severity = "high",
            repository = "acme/api",
            count = 7,
            tags = Tags,
            findings = Enumerable.Range(0, 10).Select(i => new { id = "F" + i, cvss = i }).ToArray(),
        }) with
        {
            Id = "evt_1",
            Severity = WebhookSeverity.Critical,
            Metadata = new Dictionary<string, string> { ["actor"] = "ci-bot" },
        };
        _equality = Compile("""{"type": "scan.finding"}""");
        _in = Compile("""{"data.severity": {"$in": ["critical", "high"]}}""");
        _gte = Compile("""{"data.count": {"$gte": 5}}""");
        _nested = Compile("""{"$or": [{"severity": "critical"}, {"$and": [{"data.repository": "acme/api"}, {"$not": {"data.tags": {"$contains": "xss"}}}]}], "metadata.actor": {"$exists": true}}""");
    }

    /// <summary>Equality on the event type.</summary>
    [Benchmark(Baseline = true)]
    public bool Equality() => _equality.Matches(_event);

    /// <summary><c>$in</c> on a top-level data field.</summary>
    [Benchmark]
    public bool In() => _in.Matches(_event);

    /// <summary><c>$gte</c> on a top-level data field.</summary>
    [Benchmark]
    public bool Gte() => _gte.Matches(_event);

    /// <summary><c>$or</c>, <c>$and</c>, <c>$not</c>, <c>$contains</c> on an array and <c>$exists</c> on metadata.</summary>
    [Benchmark]
    public bool Nested() => _nested.Matches(_event);

    private static EventFilter Compile(string json) => EventFilter.Compile(JsonDocument.Parse(json).RootElement);
}
