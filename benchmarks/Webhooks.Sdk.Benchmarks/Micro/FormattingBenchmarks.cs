using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Webhooks.Sdk.Formatting;

namespace Webhooks.Sdk.Benchmarks.Micro;

/// <summary>Formatting cost per event (no cache) for the json envelope, Slack Block Kit and a CEF line.</summary>
[MemoryDiagnoser]
public class FormattingBenchmarks
{
    private WebhookFormatContext _json = null!;
    private WebhookFormatContext _slack = null!;
    private WebhookFormatContext _cef = null!;
    private JsonEnvelopeFormatter _jsonFormatter = null!;
    private SlackFormatter _slackFormatter = null!;
    private CefFormatter _cefFormatter = null!;

    /// <summary>Builds a typical event (title, summary, severity, source, five data fields) and the contexts.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var evt = new WebhookEvent
        {
            Id = "evt_01JABC",
            Type = "user.login.failed",
            OccurredAt = new DateTimeOffset(2026, 1, 15, 10, 30, 0, 123, TimeSpan.Zero),
            Title = "Login failed for alice",
            Summary = "3 failed attempts; account locked.\nAn administrator must unlock the account.",
            Severity = WebhookSeverity.Error,
            Source = "auth-service",
            Data = JsonSerializer.SerializeToElement(new { user = "alice", ip = "203.0.113.7", attempts = 3, locked = true, realm = "corp" }),
        };
        _jsonFormatter = new JsonEnvelopeFormatter();
        _slackFormatter = new SlackFormatter();
        _cefFormatter = new CefFormatter();
        _json = Context(evt, "json");
        _slack = Context(evt, "slack");
        _cef = Context(evt, "cef");
    }

    /// <summary>The JSON envelope: serialized once per event (the formatter itself only hands the bytes on).</summary>
    /// <returns>The body length.</returns>
    [Benchmark(Baseline = true)]
    public int Json() => EnvelopeSerializer.Serialize(_json.Event).Length + _jsonFormatter.Format(_json).Body.Length;

    /// <summary>Slack Block Kit with text fallback.</summary>
    /// <returns>The body length.</returns>
    [Benchmark]
    public int Slack() => _slackFormatter.Format(_slack).Body.Length;

    /// <summary>An ArcSight CEF line.</summary>
    /// <returns>The body length.</returns>
    [Benchmark]
    public int Cef() => _cefFormatter.Format(_cef).Body.Length;

    private static WebhookFormatContext Context(WebhookEvent evt, string format) => new()
    {
        Event = evt,
        Envelope = EnvelopeSerializer.Serialize(evt),
        Destination = new WebhookDestination
        {
            Id = "dst",
            TenantId = "default",
            Name = format,
            Url = "https://hooks.example.com/hook",
            Enabled = true,
            Method = "POST",
            Format = format,
            Auth = WebhookAuthDescription.None,
            Headers = new Dictionary<string, string>(),
            Subscriptions = [],
            RetryCount = 3,
            AttemptTimeout = TimeSpan.FromSeconds(5),
            FormatSettings = new Dictionary<string, string>(),
            CreatedAt = evt.OccurredAt!.Value,
            UpdatedAt = evt.OccurredAt!.Value,
        },
    };
}
