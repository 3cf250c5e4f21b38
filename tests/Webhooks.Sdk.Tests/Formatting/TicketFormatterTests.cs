using FluentAssertions;
using NUnit.Framework;
using static Webhooks.Sdk.Tests.Formatting.FormatTestKit;

namespace Webhooks.Sdk.Tests.Formatting;

public class JiraFormatterTests
{
    private static readonly Dictionary<string, string> Settings = new() { ["projectKey"] = "OPS" };

    [Test]
    public void Format_SampleEvent_ExactCreateIssueWithAdf()
    {
        Body(Format("jira", Sample(), Settings)).Should().Be(
            "{\"fields\":{\"project\":{\"key\":\"OPS\"},\"issuetype\":{\"name\":\"Task\"},\"summary\":\"Login failed for alice\",\"labels\":[\"user.login.failed\"],\"description\":{\"type\":\"doc\",\"version\":1,\"content\":["
            + "{\"type\":\"paragraph\",\"content\":[{\"type\":\"text\",\"text\":\"3 failed attempts; account locked.\"}]},"
            + "{\"type\":\"paragraph\",\"content\":[{\"type\":\"text\",\"text\":\"Event: \",\"marks\":[{\"type\":\"strong\"}]},{\"type\":\"text\",\"text\":\"evt_01JABC (user.login.failed, error, 2026-01-15T10:30:00.123Z)\"}]},"
            + "{\"type\":\"codeBlock\",\"attrs\":{\"language\":\"json\"},\"content\":[{\"type\":\"text\",\"text\":\"{\\\"user\\\":\\\"alice\\\"}\"}]}]}}}");
    }

    [Test]
    public void Format_MultiLineTitleAndEmptyLines_SummarySingleLineAndNoEmptyTextNodes()
    {
        var json = Json(Format("jira", Sample(e => e with { Title = "a\nb" + new string('x', 300), Summary = "one\n\n\ntwo", Type = "has space" }), Settings));
        var fields = json.GetProperty("fields");

        fields.GetProperty("summary").GetString().Should().StartWith("a b").And.HaveLength(255);
        fields.GetProperty("labels")[0].GetString().Should().Be("has_space");
        fields.GetProperty("description").GetRawText().Should().NotContain("\"text\":\"\"");
    }

    [Test]
    public void Format_Update_NoProjectOrIssueType()
    {
        var fields = Json(Format("jira", Sample(), Settings, correlationId: "OPS-24")).GetProperty("fields");
        fields.TryGetProperty("project", out _).Should().BeFalse();
        fields.GetProperty("summary").GetString().Should().Be("Login failed for alice");
    }
}

public class ServiceNowFormatterTests
{
    [Test]
    public void Format_SampleEvent_ExactIncident()
    {
        Body(Format("servicenow", Sample())).Should().Be(
            "{\"short_description\":\"Login failed for alice\",\"description\":\"3 failed attempts; account locked.\\nEvent: evt_01JABC (user.login.failed)\",\"category\":\"inquiry\",\"correlation_id\":\"evt_01JABC\",\"correlation_display\":\"webhooks-sdk\",\"urgency\":\"2\",\"impact\":\"2\"}");
    }

    [Test]
    public void Format_ResolvedUpdate_WorkNoteAndResolvedState()
    {
        var json = Json(Format("servicenow", Sample(e => e with { Severity = WebhookSeverity.Resolved }), correlationId: "abc"));

        json.GetProperty("state").GetString().Should().Be("6");
        json.GetProperty("work_notes").GetString().Should().StartWith("Login failed for alice");
        json.TryGetProperty("short_description", out _).Should().BeFalse();
    }

    [Test]
    public void Format_LongTitle_ShortDescriptionAtMost160()
        => Json(Format("servicenow", Sample(e => e with { Title = new string('t', 159) + "😀" }))).GetProperty("short_description").GetString().Should().Be(new string('t', 159) + "…");
}

public class ZendeskFormatterTests
{
    [Test]
    public void Format_SampleEvent_ExactTicket()
    {
        Body(Format("zendesk", Sample())).Should().Be(
            "{\"ticket\":{\"subject\":\"Login failed for alice\",\"comment\":{\"body\":\"3 failed attempts; account locked.\\nEvent: evt_01JABC (user.login.failed)\",\"public\":false},\"priority\":\"high\",\"type\":\"incident\",\"tags\":[\"user_login_failed\",\"webhooks_sdk\"],\"external_id\":\"evt_01JABC\"}}");
    }

    [Test]
    public void Format_HtmlTextFormat_HtmlBodyEscaped()
    {
        var comment = Json(Format("zendesk", Sample(e => e with { Summary = "<script>&\nx" }), text: WebhookTextFormat.Html)).GetProperty("ticket").GetProperty("comment");
        comment.GetProperty("html_body").GetString().Should().Be("&lt;script&gt;&amp;<br>x<br>Event: evt_01JABC (user.login.failed)");
    }

    [Test]
    public void Format_ResolvedUpdate_SolvedWithComment()
    {
        var ticket = Json(Format("zendesk", Sample(e => e with { Severity = WebhookSeverity.Resolved }), correlationId: "35436")).GetProperty("ticket");
        ticket.GetProperty("status").GetString().Should().Be("solved");
        ticket.TryGetProperty("subject", out _).Should().BeFalse();
    }
}
