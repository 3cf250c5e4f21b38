using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using FluentAssertions;
using NUnit.Framework;
using Webhooks.Sdk.Formatting;
using static Webhooks.Sdk.Tests.Formatting.FormatTestKit;

namespace Webhooks.Sdk.Tests.Formatting;

/// <summary>Every built-in format against the same hostile events: huge, non-ASCII, emoji at cut points, and every escaping trap.</summary>
public partial class HostileEventTests
{
    private const string Traps = "pipe | backslash \\ equals = quote \" bracket ] angle <b> amp & star * under_score\nsecond line\r\nthird";
    private static readonly string[] Formats = ["json", "cloudevents", "slack", "teams", "discord", "gchat", "feishu", "datadog", "splunk", "opsgenie", "pagerduty", "cef", "syslog", "jira", "servicenow", "zendesk"];
    private static readonly Dictionary<string, string> Settings = new() { ["routingKey"] = "0123456789abcdef0123456789abcdef", ["projectKey"] = "OPS" };
    private static readonly UTF8Encoding Strict = new(false, throwOnInvalidBytes: true);

    private static WebhookEvent Huge() => Sample(e => e with
    {
        Title = string.Concat(Enumerable.Repeat("Ünïcödé 👩‍👩‍👧 ", 400)),
        Summary = string.Concat(Enumerable.Repeat(Traps + " 😀", 2000)),
        Subject = string.Concat(Enumerable.Repeat("s😀", 400)),
        CorrelationKey = string.Concat(Enumerable.Repeat("k😀", 400)),
        Data = JsonSerializer.SerializeToElement(Enumerable.Range(0, 400).ToDictionary(i => "field " + i + " ]=\"", i => Traps + " " + new string('é', i))),
    });

    [TestCaseSource(nameof(Formats))]
    public void Format_HugeHostileEvent_WellFormedAndNoBrokenCharacter(string format)
    {
        var payload = Format(format, Huge(), Settings);
        var text = Strict.GetString(payload.Body.Span);

        text.Should().NotContain("\uFFFD");
        if (payload.ContentType.Contains("json", StringComparison.Ordinal))
        {
            using var document = JsonDocument.Parse(payload.Body);
            foreach (var value in Strings(document.RootElement))
            {
                Strict.GetString(Strict.GetBytes(value)).Should().Be(value, "no lone surrogate in a JSON string");
            }
        }
        else if (format == "cef")
        {
            text.Should().NotContainAny("\n", "\r");
            var header = CefHeader(text);
            header.Should().HaveCount(8, "CEF:Version and six more header fields, then the extension");
            header[6].Should().MatchRegex("^(10|[0-9])$");
        }
        else
        {
            Rfc5424Header().IsMatch(text).Should().BeTrue(text[..Math.Min(200, text.Length)]);
            payload.Body.Length.Should().BeLessThanOrEqualTo(SyslogFormatter.DefaultMaxBytes);
        }
    }

    [TestCaseSource(nameof(Formats))]
    public void Format_TrapCharacters_SurviveEscaping(string format)
    {
        var payload = Format(format, Sample(e => e with { Summary = Traps }), Settings);
        var body = Strict.GetString(payload.Body.Span);
        switch (format)
        {
            case "cloudevents":
                // The summary is not a CloudEvents attribute: the traps go through the title extension and the data.
                var cloudEvent = Json(Format(format, Sample(e => e with { Title = Traps, Data = JsonSerializer.SerializeToElement(new { note = Traps }) }), Settings));
                cloudEvent.GetProperty("title").GetString().Should().Be(Regex.Replace(Traps, "[\u0000-\u001F\u007F-\u009F]", " "), "CloudEvents string attributes exclude control characters");
                cloudEvent.GetProperty("data").GetProperty("note").GetString().Should().Be(Traps);
                cloudEvent.GetProperty("id").GetString().Should().Be("evt_01JABC");
                return;
            case "cef":
                body.Should().Contain("msg=pipe | backslash \\\\ equals \\= quote \" bracket ] angle <b> amp & star * under_score\\nsecond line\\nthird");
                return;
            case "syslog":
                body.Should().EndWith("Login failed for alice: " + Traps, "MSG is free text after the structured data");
                return;
        }

        var strings = Strings(JsonDocument.Parse(payload.Body).RootElement).ToList();
        var expected = format switch
        {
            "slack" or "gchat" => FormatKit.EscapeAngle(Traps),
            "teams" or "discord" or "feishu" => FormatKit.EscapeMarkdown(Traps),
            _ => Traps,
        };
        if (format == "gchat")
        {
            expected = expected.Replace("\n", "<br>", StringComparison.Ordinal);
        }

        if (format == "jira")
        {
            strings.Should().Contain(["pipe | backslash \\ equals = quote \" bracket ] angle <b> amp & star * under_score", "second line", "third"]);
            return;
        }

        strings.Should().Contain(s => s.Contains(expected, StringComparison.Ordinal), $"the {format} body must carry the summary, escaped for the target");
    }

    private static IEnumerable<string> Strings(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                yield return element.GetString()!;
                break;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    yield return property.Name;
                    foreach (var s in Strings(property.Value))
                    {
                        yield return s;
                    }
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    foreach (var s in Strings(item))
                    {
                        yield return s;
                    }
                }

                break;
        }
    }

    /// <summary>Splits a CEF line into its seven header fields and the extension, honouring <c>\\</c> and <c>\|</c>.</summary>
    private static List<string> CefHeader(string line)
    {
        var parts = new List<string>();
        var current = new StringBuilder();
        for (var i = 0; i < line.Length; i++)
        {
            if (parts.Count == 7)
            {
                current.Append(line, i, line.Length - i);
                break;
            }

            if (line[i] == '\\' && i + 1 < line.Length)
            {
                current.Append(line[i + 1]);
                i++;
            }
            else if (line[i] == '|')
            {
                parts.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(line[i]);
            }
        }

        parts.Add(current.ToString());
        return parts;
    }

    [GeneratedRegex(@"^<\d{1,3}>1 \S+ [!-~]{1,255} [!-~]{1,48} [!-~]{1,128} [!-~]{1,32} (-|\[.*\]) ")]
    private static partial Regex Rfc5424Header();
}
