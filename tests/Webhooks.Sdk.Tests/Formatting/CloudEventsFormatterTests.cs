using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using FluentAssertions;
using NUnit.Framework;
using static Webhooks.Sdk.Tests.Formatting.FormatTestKit;

namespace Webhooks.Sdk.Tests.Formatting;

public partial class CloudEventsFormatterTests
{
    /// <summary>
    /// The structured-mode content-type checks of the official SDKs, restated from their parsers' source:
    /// JavaScript (cloudevents on npm, <c>parserByContentType</c>: an exact lookup of the whole header among
    /// <c>application/cloudevents+json</c> and <c>application/cloudevents+json; charset=utf-8</c>), Go (sdk-go
    /// <c>format.Lookup</c>: the media type before <c>;</c>, trimmed and lower-cased), Python (sdk-python
    /// <c>JSONHTTPCloudEventConverter.can_read</c>: starts with <c>application/cloudevents+json</c>) and C#
    /// (<c>MimeUtilities.IsCloudEventsContentType</c>: starts with <c>application/cloudevents</c> ignoring case, not the
    /// batch type, and a charset that <c>System.Net.Mime.ContentType</c> and <c>Encoding.GetEncoding</c> read).
    /// </summary>
    private static readonly (string Sdk, Func<string, bool> Accepts)[] OfficialSdks =
    [
        ("javascript", ct => ct is "application/cloudevents+json" or "application/cloudevents+json; charset=utf-8"),
        ("go", ct => string.Equals((ct.Contains(';', StringComparison.Ordinal) ? ct[..ct.IndexOf(';', StringComparison.Ordinal)] : ct).Trim(), "application/cloudevents+json", StringComparison.OrdinalIgnoreCase)),
        ("python", ct => ct.StartsWith("application/cloudevents+json", StringComparison.Ordinal)),
        ("csharp", ct => ct.StartsWith("application/cloudevents", StringComparison.InvariantCultureIgnoreCase)
            && !ct.StartsWith("application/cloudevents-batch", StringComparison.InvariantCultureIgnoreCase)
            && Encoding.GetEncoding(new System.Net.Mime.ContentType(ct).CharSet ?? "utf-8").WebName == "utf-8"),
    ];

    [Test]
    public async Task Delivery_Structured_ContentTypeAcceptedByEveryOfficialSdk()
    {
        await using var receiver = await Webhooks.Sdk.Testing.LocalWebhookReceiver.StartAsync();
        await using var host = await Webhooks.Sdk.Tests.Support.WebhookTestHost.StartAsync();
        var definition = Webhooks.Sdk.Tests.Support.WebhookTestHost.Destination(receiver);
        definition.Format = WebhookFormats.CloudEvents;
        await host.Destinations.CreateAsync(definition);

        var published = await host.Publisher.PublishAsync(WebhookEvent.Create("order.created", new { n = 1 }));
        await host.WaitForFinalAsync(published.Deliveries[0].DeliveryId);

        var contentType = receiver.Requests.Should().ContainSingle().Subject.Headers["Content-Type"];
        foreach (var (sdk, accepts) in OfficialSdks)
        {
            accepts(contentType).Should().BeTrue($"the {sdk} SDK must accept '{contentType}'");
        }
    }

    [Test]
    public void Format_Structured_ExactBodyAndContentType()
    {
        var payload = Format("cloudevents", Sample(), new Dictionary<string, string> { ["source"] = "https://auth.example.com/auth-service", ["typePrefix"] = "com.example." });

        payload.ContentType.Should().Be("application/cloudevents+json; charset=utf-8");
        Body(payload).Should().Be(
            "{\"specversion\":\"1.0\",\"id\":\"evt_01JABC\",\"source\":\"https://auth.example.com/auth-service\",\"type\":\"com.example.user.login.failed\",\"time\":\"2026-01-15T10:30:00.123Z\",\"severity\":\"error\",\"title\":\"Login failed for alice\",\"datacontenttype\":\"application/json\",\"data\":{\"user\":\"alice\"}}");
    }

    [Test]
    public void Format_Structured_RoundTripsThroughSpecRules()
    {
        var evt = Sample(e => e with { Title = "Line\nbreak", Subject = "alice", CorrelationKey = "k1", Source = "not a uri ref" });
        var attributes = ParseStructured(Body(Format("cloudevents", evt)), out var data);

        Validate(attributes);
        attributes["id"].Should().Be("evt_01JABC");
        attributes["title"].Should().Be("Line break");
        attributes["source"].Should().Be("urn:webhooks-sdk:not%20a%20uri%20ref");
        data.GetProperty("user").GetString().Should().Be("alice");
    }

    [Test]
    public void Format_Binary_CeHeadersPercentEncodedAndDataBody()
    {
        var payload = Format("cloudevents", Sample(e => e with { Title = "Euro € 😀" }), new Dictionary<string, string> { ["mode"] = "binary" });
        var headers = payload.Headers!.ToDictionary(h => h.Key, h => h.Value);

        payload.ContentType.Should().Be("application/json");
        Body(payload).Should().Be("{\"user\":\"alice\"}");
        headers.Should().NotContainKey("ce-datacontenttype");
        headers["ce-title"].Should().Be("Euro%20%E2%82%AC%20%F0%9F%98%80");
        var decoded = headers.ToDictionary(h => h.Key["ce-".Length..], h => Uri.UnescapeDataString(h.Value));
        decoded["title"].Should().Be("Euro € 😀");
        Validate(decoded);
    }

    [Test]
    public void Validate_BadMode_Refused()
    {
        var errors = new List<WebhookValidationError>();
        var d = new WebhookDestinationDefinition { Name = "c", Url = "https://x.example", Format = "cloudevents" };
        d.FormatSettings["mode"] = "batch";
        Formatter("cloudevents").Validate(d, errors);
        errors.Should().ContainSingle().Which.Field.Should().Be("FormatSettings.mode");
    }

    /// <summary>Reads a structured-mode JSON event: attributes are top-level strings, data is separate.</summary>
    private static Dictionary<string, string> ParseStructured(string json, out JsonElement data)
    {
        using var document = JsonDocument.Parse(json);
        var attributes = new Dictionary<string, string>();
        data = default;
        foreach (var property in document.RootElement.EnumerateObject())
        {
            if (property.Name == "data")
            {
                data = property.Value.Clone();
                continue;
            }

            property.Name.Should().NotBe("data_base64", "data and data_base64 are exclusive and JSON data must be stored as JSON");
            property.Value.ValueKind.Should().Be(JsonValueKind.String, $"attribute '{property.Name}' is a string here");
            attributes[property.Name] = property.Value.GetString()!;
        }

        if (attributes.TryGetValue("datacontenttype", out var contentType))
        {
            contentType.Should().MatchRegex("^[a-z]+/([a-z0-9.+-]+\\+)?json", "JSON data is stored directly only for a JSON media type");
        }

        data.ValueKind.Should().Be(JsonValueKind.Object);
        return attributes;
    }

    /// <summary>The CloudEvents 1.0 context-attribute rules (spec.md): required attributes, types and naming.</summary>
    private static void Validate(Dictionary<string, string> attributes)
    {
        foreach (var required in new[] { "specversion", "id", "source", "type" })
        {
            attributes.Should().ContainKey(required);
            attributes[required].Should().NotBeEmpty();
        }

        attributes["specversion"].Should().Be("1.0");
        Uri.TryCreate(attributes["source"], UriKind.RelativeOrAbsolute, out _).Should().BeTrue("source is a URI-reference");
        Uri.IsWellFormedUriString(attributes["source"], UriKind.RelativeOrAbsolute).Should().BeTrue();
        if (attributes.TryGetValue("time", out var time))
        {
            Rfc3339().IsMatch(time).Should().BeTrue($"time '{time}' is RFC 3339");
        }

        if (attributes.TryGetValue("subject", out var subject))
        {
            subject.Should().NotBeEmpty();
        }

        foreach (var (name, value) in attributes)
        {
            AttributeName().IsMatch(name).Should().BeTrue($"'{name}' uses only a-z and 0-9");
            name.Length.Should().BeLessThanOrEqualTo(20);
            value.Should().NotMatchRegex("[\u0000-\u001F\u007F-\u009F]", "string attributes carry no control characters");
            Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(value)).Should().Be(value, "no lone surrogates");
        }
    }

    [GeneratedRegex("^[a-z0-9]+$")]
    private static partial Regex AttributeName();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")]
    private static partial Regex Rfc3339();
}

public class FormatterContractTests
{
    private static readonly string[] BuiltIn = ["json", "cloudevents", "slack", "teams", "discord", "gchat", "feishu", "datadog", "splunk", "opsgenie", "pagerduty", "cef", "syslog", "jira", "servicenow", "zendesk"];

    /// <summary>The settings each format requires (the quickstart's <c>--format NAME</c> must supply these).</summary>
    private static readonly Dictionary<string, string[]> Required = new()
    {
        ["pagerduty"] = ["routingKey"],
        ["jira"] = ["projectKey"],
    };

    [TestCaseSource(nameof(BuiltIn))]
    public void Format_PlainEvent_RendersOrValidationNamesTheMissingSetting(string format)
    {
        var plain = new WebhookEvent { Id = "evt_1", Type = "scan.completed", OccurredAt = SampleTime, Data = JsonSerializer.SerializeToElement(new { findings = 3 }) };
        var formatter = Formatter(format);
        var errors = new List<WebhookValidationError>();
        formatter.Validate(new WebhookDestinationDefinition { Name = "q", Url = "https://x.example", Format = format }, errors);

        errors.Select(e => e.Field).Should().BeEquivalentTo(Required.GetValueOrDefault(format, []).Select(k => "FormatSettings." + k));
        var payload = formatter.Format(Context(plain, Destination(format, Required.GetValueOrDefault(format, []).ToDictionary(k => k, _ => "X"))));
        payload.Body.Length.Should().BeGreaterThan(0);
        if (payload.ContentType.Contains("json", StringComparison.Ordinal))
        {
            using var document = JsonDocument.Parse(payload.Body);
        }
    }

    [Test]
    public void AddWebhooks_RegistersEveryBuiltInFormatUnderItsConstant()
        => new[] { WebhookFormats.Json, WebhookFormats.CloudEvents, WebhookFormats.Slack, WebhookFormats.Teams, WebhookFormats.Discord, WebhookFormats.GoogleChat, WebhookFormats.Feishu, WebhookFormats.Datadog, WebhookFormats.Splunk, WebhookFormats.Opsgenie, WebhookFormats.PagerDuty, WebhookFormats.Cef, WebhookFormats.Syslog, WebhookFormats.Jira, WebhookFormats.ServiceNow, WebhookFormats.Zendesk }
            .Should().BeEquivalentTo(BuiltIn).And.OnlyContain(n => Formatter(n) != null);

    [Test]
    public void Render_TwoDestinationsOfOneFormat_RenderedOnce()
    {
        var counting = new CountingFormatter();
        var cached = Cached(Sample());
        var a = cached.Render(counting, Context(Sample(), Destination("count")));
        var b = cached.Render(counting, Context(Sample(), Destination("count") with { Id = "other" }));

        counting.Calls.Should().Be(1);
        b.Should().BeSameAs(a);
    }

    [Test]
    public void Render_SlackWithDifferentTextFormats_RenderedPerTextFormat()
    {
        var cached = Cached(Sample());
        var slack = Formatter("slack");
        var markdown = cached.Render(slack, Context(Sample(), Destination("slack")));
        var plain = cached.Render(slack, Context(Sample(), Destination("slack", text: WebhookTextFormat.PlainText)));

        plain.Should().NotBeSameAs(markdown);
        Body(plain).Should().Contain("plain_text\",\"text\":\"3 failed");
    }

    [Test]
    public void Render_DatadogWithDifferentHostSettings_NotShared()
    {
        var cached = Cached(Sample());
        var datadog = Formatter("datadog");
        var a = cached.Render(datadog, Context(Sample(), Destination("datadog", new Dictionary<string, string> { ["host"] = "a" })));
        var b = cached.Render(datadog, Context(Sample(), Destination("datadog", new Dictionary<string, string> { ["host"] = "b" })));

        Json(a).GetProperty("host").GetString().Should().Be("a");
        Json(b).GetProperty("host").GetString().Should().Be("b");
    }

    private sealed class CountingFormatter : IWebhookFormatter
    {
        /// <summary>Shares its rendering across destinations (caching is opt-in).</summary>
        public string? GetCacheKey(WebhookFormatContext context) => string.Empty;

        public int Calls { get; private set; }

        public string Name => "count";

        public WebhookPayload Format(WebhookFormatContext context)
        {
            Calls++;
            return new WebhookPayload { Body = context.Envelope, ContentType = "application/json" };
        }
    }
}
