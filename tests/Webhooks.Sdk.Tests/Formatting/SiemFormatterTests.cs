using System.Text;
using System.Text.Json;
using FluentAssertions;
using NUnit.Framework;
using Webhooks.Sdk.Formatting;
using static Webhooks.Sdk.Tests.Formatting.FormatTestKit;

namespace Webhooks.Sdk.Tests.Formatting;

public class CefFormatterTests
{
    private static readonly Dictionary<string, string> Settings = new() { ["vendor"] = "Acme", ["product"] = "Webhook SDK", ["version"] = "1.4.0" };

    [Test]
    public void Format_SampleEvent_ExactLine()
    {
        var payload = Format("cef", Sample(), Settings);

        payload.ContentType.Should().Be("text/plain; charset=utf-8");
        Body(payload).Should().Be("CEF:0|Acme|Webhook SDK|1.4.0|user.login.failed|Login failed for alice|7|rt=1768473000123 msg=3 failed attempts; account locked. externalId=evt_01JABC cat=error cs1Label=source cs1=auth-service cs3Label=data cs3={\"user\":\"alice\"}");
    }

    [Test]
    public void Format_ReferenceEscapingExample_HeaderPipesAndExtensionEqualsNewlineBackslash()
    {
        var evt = Sample(e => e with { Title = "Login failed | admin", Summary = "3 failed attempts = lockout\nC:\\temp", Source = null, Data = null });

        Body(Format("cef", evt, Settings)).Should().Be("CEF:0|Acme|Webhook SDK|1.4.0|user.login.failed|Login failed \\| admin|7|rt=1768473000123 msg=3 failed attempts \\= lockout\\nC:\\\\temp externalId=evt_01JABC cat=error");
    }

    [Test]
    public void EscapeHeader_BackslashBeforePipe_AndNewlinesBecomeSpaces()
        => CefFormatter.EscapeHeader("a\\|b\r\nc\nd").Should().Be("a\\\\\\|b c d");

    [Test]
    public void EscapeExtension_PipesAndSpacesKept_CrEscaped()
        => CefFormatter.EscapeExtension("a|b c=d\re\\").Should().Be("a|b c\\=d\\re\\\\");

    [TestCase(WebhookSeverity.Critical, 10)]
    [TestCase(WebhookSeverity.Error, 7)]
    [TestCase(WebhookSeverity.Warning, 5)]
    [TestCase(WebhookSeverity.Info, 3)]
    [TestCase(WebhookSeverity.Debug, 0)]
    [TestCase(WebhookSeverity.Resolved, 0)]
    public void Format_Severity_MappedTo0To10(WebhookSeverity severity, int expected)
        => Body(Format("cef", Sample(e => e with { Severity = severity }), Settings)).Split('|')[6].Should().Be(expected.ToString(System.Globalization.CultureInfo.InvariantCulture));

    [Test]
    public void Format_NoExtensionValues_TrailingPipeKept()
    {
        var line = CefFormatter.Line(Context(Sample(e => e with { Summary = null, Source = null, Data = null }), Destination("cef", Settings)));
        line.Should().Contain("|7|rt=");
        line.Split('|').Should().HaveCount(8);
    }

    [Test]
    public void Format_LongNonAsciiValues_MsgAtMost1023WithoutSplitCharacters()
    {
        var line = Body(Format("cef", Sample(e => e with { Summary = string.Concat(Enumerable.Repeat("ü😀", 1000)), Title = new string('n', 600) }), Settings));
        var msg = line[(line.IndexOf(" msg=", StringComparison.Ordinal) + 5)..line.IndexOf(" externalId=", StringComparison.Ordinal)];

        msg.Length.Should().BeLessThanOrEqualTo(1023);
        msg.Should().EndWith("…");
        char.IsHighSurrogate(msg[^2]).Should().BeFalse();
        line.Split('|')[5].Length.Should().BeLessThanOrEqualTo(512);
    }
}

public class SyslogFormatterTests
{
    private static readonly Dictionary<string, string> Settings = new() { ["hostname"] = "host01.example.com", ["appName"] = "acme-sdk" };

    [Test]
    public void Format_SampleEvent_ExactRfc5424MessageWithBom()
    {
        var body = Format("syslog", Sample(), Settings).Body.ToArray();
        var bom = Encoding.UTF8.GetString(new byte[] { 0xEF, 0xBB, 0xBF });

        Encoding.UTF8.GetString(body).Should().Be(
            "<131>1 2026-01-15T10:30:00.123Z host01.example.com acme-sdk - user.login.failed [event@32473 id=\"evt_01JABC\" type=\"user.login.failed\" severity=\"error\" source=\"auth-service\"][data@32473 user=\"alice\"] "
            + bom + "Login failed for alice: 3 failed attempts; account locked.");
    }

    [TestCase("local0", WebhookSeverity.Error, 131)]
    [TestCase("user", WebhookSeverity.Warning, 12)]
    [TestCase("4", WebhookSeverity.Critical, 34)]
    [TestCase("local7", WebhookSeverity.Debug, 191)]
    [TestCase("kern", WebhookSeverity.Resolved, 5)]
    public void Format_FacilityAndSeverity_PriMath(string facility, WebhookSeverity severity, int pri)
        => Body(Format("syslog", Sample(e => e with { Severity = severity }), new Dictionary<string, string> { ["facility"] = facility })).Should().StartWith($"<{pri}>1 ");

    [Test]
    public void Format_ParamValues_QuoteBackslashBracketEscaped()
    {
        var body = Body(Format("syslog", Sample(e => e with { Data = JsonSerializer.SerializeToElement(new { note = "a\"b\\c]d" }) }), Settings));
        body.Should().Contain("note=\"a\\\"b\\\\c\\]d\"");
    }

    [Test]
    public void Format_BadHeaderCharacters_SanitisedAndTruncated()
    {
        var body = Body(Format("syslog", Sample(e => e with { Type = "type with spaces and ünïcode that is far too long for msgid" }), new Dictionary<string, string> { ["hostname"] = "bad host", ["appName"] = new string('a', 60) }));
        var fields = body.Split(' ');

        fields[2].Should().Be("bad_host");
        fields[3].Should().HaveLength(48);
        fields[5].Should().HaveLength(32).And.MatchRegex("^[!-~]+$");
    }

    [Test]
    public void Format_SdParamNames_DisallowedCharactersReplaced()
        => SyslogFormatter.SdName("a b=c]d\"e").Should().Be("a_b_c_d_e");

    [Test]
    public void Format_LongMessage_TruncatedToMaxBytesNeverTheHeaderNorACharacter()
    {
        var settings = new Dictionary<string, string>(Settings) { ["maxBytes"] = "600" };
        var body = Format("syslog", Sample(e => e with { Summary = string.Concat(Enumerable.Repeat("€😀", 500)) }), settings).Body.ToArray();
        var text = Encoding.UTF8.GetString(body);

        body.Length.Should().BeLessThanOrEqualTo(600);
        text.Should().StartWith("<131>1 2026-01-15T10:30:00.123Z host01.example.com acme-sdk - user.login.failed [event@32473").And.EndWith("…");
        text.Should().NotContain("\uFFFD");
    }

    [Test]
    public void Format_ManyLargeDataFields_StructuredDataShrinksToFitAndEventIdKept()
    {
        var data = Enumerable.Range(0, 40).ToDictionary(i => "f" + i, _ => new string('x', 900));
        var settings = new Dictionary<string, string>(Settings) { ["maxBytes"] = "2048" };
        var body = Body(Format("syslog", Sample(e => e with { Data = JsonSerializer.SerializeToElement(data), CorrelationKey = new string('k', 3000) }), settings));

        Encoding.UTF8.GetByteCount(body).Should().BeLessThanOrEqualTo(2048);
        body.Should().Contain("[event@32473 id=\"evt_01JABC\" type=\"user.login.failed\"").And.Contain("][data@32473 f0=\"");
        body.Should().NotContain("f39=", "data parameters that do not fit are left out");
        body.Should().Contain("Login failed for alice");
    }

    [Test]
    public void Format_CefMessage_CefLineAsMsgWithoutBom()
    {
        var body = Body(Format("syslog", Sample(), new Dictionary<string, string>(Settings) { ["message"] = "cef" }));
        body.Should().Contain("] CEF:0|Webhooks.Sdk|Webhooks.Sdk|");
    }

    [Test]
    public void Validate_BadSettings_ErrorsNameTheKeys()
    {
        var errors = new List<WebhookValidationError>();
        var d = new WebhookDestinationDefinition { Name = "s", Url = "syslog+tcp://127.0.0.1:514", Format = "syslog" };
        d.FormatSettings["facility"] = "local9";
        d.FormatSettings["message"] = "xml";
        d.FormatSettings["maxBytes"] = "100";
        Formatter("syslog").Validate(d, errors);

        errors.Select(e => e.Field).Should().BeEquivalentTo("FormatSettings.facility", "FormatSettings.message", "FormatSettings.maxBytes");
    }
}
