using System.Text.Json;
using FluentAssertions;
using NUnit.Framework;
using Webhooks.Sdk.Formatting;
using static Webhooks.Sdk.Tests.Formatting.FormatTestKit;

namespace Webhooks.Sdk.Tests.Formatting;

public class DatadogFormatterTests
{
    [Test]
    public void Format_SampleEvent_ExactEventsApiBody()
    {
        Body(Format("datadog", Sample())).Should().Be(
            "{\"title\":\"Login failed for alice\",\"text\":\"%%% \\n3 failed attempts; account locked.\\nuser: alice\\n %%%\",\"alert_type\":\"error\",\"priority\":\"normal\","
            + "\"tags\":[\"event_type:user.login.failed\",\"severity:error\",\"event_id:evt_01JABC\",\"source:auth-service\"],\"aggregation_key\":\"user.login.failed\",\"source_type_name\":\"my_apps\",\"date_happened\":1768473000}");
    }

    [Test]
    public void Format_LongTextAndKey_TextAtMost4000AndKeyAtMost100()
    {
        var json = Json(Format("datadog", Sample(e => e with { Summary = string.Concat(Enumerable.Repeat("ß😀", 3000)), CorrelationKey = new string('k', 200) })));

        json.GetProperty("text").GetString()!.Length.Should().BeLessThanOrEqualTo(4000);
        json.GetProperty("text").GetString().Should().StartWith("%%% \n").And.EndWith("\n %%%");
        json.GetProperty("aggregation_key").GetString().Should().HaveLength(100);
    }

    [TestCase(WebhookSeverity.Critical, "error")]
    [TestCase(WebhookSeverity.Warning, "warning")]
    [TestCase(WebhookSeverity.Debug, "info")]
    [TestCase(WebhookSeverity.Resolved, "success")]
    public void Format_Severity_MappedToAlertType(WebhookSeverity severity, string expected)
        => Json(Format("datadog", Sample(e => e with { Severity = severity }))).GetProperty("alert_type").GetString().Should().Be(expected);
}

public class SplunkFormatterTests
{
    [Test]
    public void Format_SampleEvent_ExactHecEnvelope()
    {
        Body(Format("splunk", Sample(), new Dictionary<string, string> { ["index"] = "main", ["host"] = "host01" })).Should().Be(
            "{\"time\":1768473000.123,\"host\":\"host01\",\"source\":\"auth-service\",\"sourcetype\":\"_json\",\"index\":\"main\",\"event\":{\"id\":\"evt_01JABC\",\"type\":\"user.login.failed\",\"time\":\"2026-01-15T10:30:00.123Z\",\"severity\":\"error\","
            + "\"title\":\"Login failed for alice\",\"summary\":\"3 failed attempts; account locked.\",\"data\":{\"user\":\"alice\"}},\"fields\":{\"severity\":\"error\",\"event_type\":\"user.login.failed\"}}");
    }

    [Test]
    public void Format_QuotesBackslashesNewlines_ValidJsonRoundTrip()
    {
        var summary = "a \"quoted\" \\ back\nslash ] = |";
        Json(Format("splunk", Sample(e => e with { Summary = summary }))).GetProperty("event").GetProperty("summary").GetString().Should().Be(summary);
    }
}

public class OpsgenieFormatterTests
{
    [Test]
    public void Format_SampleEvent_ExactAlertBody()
    {
        Body(Format("opsgenie", Sample())).Should().Be(
            "{\"message\":\"Login failed for alice\",\"alias\":\"evt_01JABC\",\"description\":\"3 failed attempts; account locked.\\nType: user.login.failed\",\"tags\":[\"user.login.failed\",\"error\",\"auth-service\"],"
            + "\"details\":{\"event_id\":\"evt_01JABC\",\"time\":\"2026-01-15T10:30:00.123Z\",\"user\":\"alice\"},\"source\":\"auth-service\",\"priority\":\"P2\"}");
    }

    [Test]
    public void Format_EverythingLong_AllDocumentedLimitsHold()
    {
        var data = Enumerable.Range(0, 300).ToDictionary(i => "key" + i, i => new string('v', 100) + "😀");
        var evt = Sample(e => e with
        {
            Title = new string('m', 129) + "😀",
            CorrelationKey = new string('a', 600),
            Summary = new string('d', 20_000),
            Source = new string('s', 150),
            Subject = new string('e', 600),
            Type = new string('t', 80),
            Data = JsonSerializer.SerializeToElement(data),
        });
        var json = Json(Format("opsgenie", evt));

        json.GetProperty("message").GetString().Should().Be(new string('m', 129) + "…");
        json.GetProperty("alias").GetString()!.Length.Should().Be(512);
        json.GetProperty("description").GetString()!.Length.Should().BeLessThanOrEqualTo(15_000);
        json.GetProperty("source").GetString()!.Length.Should().BeLessThanOrEqualTo(100);
        json.GetProperty("entity").GetString()!.Length.Should().BeLessThanOrEqualTo(512);
        json.GetProperty("tags").EnumerateArray().Should().OnlyContain(t => t.GetString()!.Length <= 50);
        json.GetProperty("details").EnumerateObject().Sum(p => p.Name.Length + p.Value.GetString()!.Length).Should().BeLessThanOrEqualTo(8000);
    }

    [Test]
    public void Format_Resolved_ClosesByAlias()
    {
        var payload = Format("opsgenie", Sample(e => e with { Severity = WebhookSeverity.Resolved, CorrelationKey = "login/alice" }));

        payload.Url.Should().Be("https://hooks.example.com/hook/login%2Falice/close?identifierType=alias");
        Json(payload).GetProperty("source").GetString().Should().Be("auth-service");
    }
}

public class PagerDutyFormatterTests
{
    private static readonly Dictionary<string, string> Settings = new() { ["routingKey"] = "0123456789abcdef0123456789abcdef" };

    [Test]
    public void Format_SampleEvent_ExactTrigger()
    {
        Body(Format("pagerduty", Sample(), Settings)).Should().Be(
            "{\"routing_key\":\"0123456789abcdef0123456789abcdef\",\"event_action\":\"trigger\",\"dedup_key\":\"evt_01JABC\",\"payload\":{\"summary\":\"Login failed for alice\",\"source\":\"auth-service\",\"severity\":\"error\",\"timestamp\":\"2026-01-15T10:30:00.123Z\","
            + "\"class\":\"user.login.failed\",\"custom_details\":{\"summary\":\"3 failed attempts; account locked.\",\"event_id\":\"evt_01JABC\",\"data\":{\"user\":\"alice\"}}},\"client\":\"Webhooks.Sdk\"}");
    }

    [Test]
    public void Format_Resolved_ResolveWithDedupKeyOnly()
        => Body(Format("pagerduty", Sample(e => e with { Severity = WebhookSeverity.Resolved, CorrelationKey = "alice" }), Settings))
            .Should().Be("{\"routing_key\":\"0123456789abcdef0123456789abcdef\",\"event_action\":\"resolve\",\"dedup_key\":\"alice\"}");

    [Test]
    public void Format_LongSummaryKeyAndHugeData_LimitsHold()
    {
        var big = JsonSerializer.SerializeToElement(new { blob = new string('x', 600_000) });
        var payload = Format("pagerduty", Sample(e => e with { Title = new string('s', 2000), CorrelationKey = new string('k', 400), Data = big }), Settings);
        var json = Json(payload);

        payload.Body.Length.Should().BeLessThanOrEqualTo(PagerDutyFormatter.MaxBytes);
        json.GetProperty("payload").GetProperty("summary").GetString()!.Length.Should().Be(1024);
        json.GetProperty("dedup_key").GetString()!.Length.Should().Be(255);
    }

    [TestCase(WebhookSeverity.Critical, "critical")]
    [TestCase(WebhookSeverity.Warning, "warning")]
    [TestCase(WebhookSeverity.Debug, "info")]
    public void Format_Severity_Mapped(WebhookSeverity severity, string expected)
        => Json(Format("pagerduty", Sample(e => e with { Severity = severity }), Settings)).GetProperty("payload").GetProperty("severity").GetString().Should().Be(expected);

    [Test]
    public void Validate_NoRoutingKey_ErrorNamesTheSetting()
    {
        var errors = new List<WebhookValidationError>();
        Formatter("pagerduty").Validate(new WebhookDestinationDefinition { Name = "pd", Url = "https://events.pagerduty.com/v2/enqueue", Format = "pagerduty" }, errors);

        errors.Should().ContainSingle().Which.Field.Should().Be("FormatSettings.routingKey");
    }
}
