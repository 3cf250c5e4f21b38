using System.Text.Json;

namespace Webhooks.Sdk.Formatting;

/// <summary>
/// Jira Cloud REST v3 issue: create (<c>project</c>, <c>issuetype</c>, <c>summary</c> ≤ 255, <c>labels</c>,
/// <c>description</c> in Atlassian Document Format); an update (with a correlation id) sends only the changing fields.
/// Requires the <c>projectKey</c> setting; <c>issueType</c> defaults to <c>Task</c>.
/// </summary>
internal sealed class JiraFormatter : JsonFormatterBase
{
    internal const int SummaryMax = 255;

    public override string Name => WebhookFormats.Jira;

    public override string? GetCacheKey(WebhookFormatContext context) => null;

    public override void Validate(WebhookDestinationDefinition destination, IList<WebhookValidationError> errors)
        => Require(destination, "projectKey", "the key of the Jira project issues are created in, for example OPS", errors);

    protected override void Write(Utf8JsonWriter w, WebhookFormatContext context)
    {
        var evt = context.Event;
        w.WriteStartObject();
        w.WriteStartObject("fields");
        if (context.CorrelationId is null)
        {
            w.WriteStartObject("project");
            w.WriteString("key", FormatKit.Setting(context, "projectKey", string.Empty));
            w.WriteEndObject();
            w.WriteStartObject("issuetype");
            w.WriteString("name", FormatKit.Setting(context, "issueType", "Task"));
            w.WriteEndObject();
        }

        w.WriteString("summary", TextLimits.Truncate(FormatKit.Title(evt).Replace('\r', ' ').Replace('\n', ' '), SummaryMax));
        w.WriteStartArray("labels");
        w.WriteStringValue(Label(evt.Type));
        w.WriteEndArray();
        w.WritePropertyName("description");
        WriteDescription(w, evt);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    internal static string Label(string value)
    {
        var chars = value.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (char.IsWhiteSpace(chars[i]))
            {
                chars[i] = '_';
            }
        }

        return new string(chars);
    }

    /// <summary>An ADF document: one paragraph per summary line (empty lines dropped: text nodes must not be empty), the event id, the data as a code block.</summary>
    internal static void WriteDescription(Utf8JsonWriter w, WebhookEvent evt)
    {
        w.WriteStartObject();
        w.WriteString("type", "doc");
        w.WriteNumber("version", 1);
        w.WriteStartArray("content");
        foreach (var line in (evt.Summary ?? string.Empty).Split('\n'))
        {
            var text = line.TrimEnd('\r');
            if (text.Length == 0)
            {
                continue;
            }

            w.WriteStartObject();
            w.WriteString("type", "paragraph");
            w.WriteStartArray("content");
            TextNode(w, text, null);
            w.WriteEndArray();
            w.WriteEndObject();
        }

        w.WriteStartObject();
        w.WriteString("type", "paragraph");
        w.WriteStartArray("content");
        TextNode(w, "Event: ", "strong");
        TextNode(w, evt.Id + " (" + evt.Type + ", " + SeverityMap.Name(evt) + ", " + FormatKit.Time(evt) + ")", null);
        w.WriteEndArray();
        w.WriteEndObject();
        if (evt.Data is { ValueKind: JsonValueKind.Object or JsonValueKind.Array } data)
        {
            w.WriteStartObject();
            w.WriteString("type", "codeBlock");
            w.WriteStartObject("attrs");
            w.WriteString("language", "json");
            w.WriteEndObject();
            w.WriteStartArray("content");
            TextNode(w, data.GetRawText(), null);
            w.WriteEndArray();
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void TextNode(Utf8JsonWriter w, string text, string? mark)
    {
        w.WriteStartObject();
        w.WriteString("type", "text");
        w.WriteString("text", text);
        if (mark is not null)
        {
            w.WriteStartArray("marks");
            w.WriteStartObject();
            w.WriteString("type", mark);
            w.WriteEndObject();
            w.WriteEndArray();
        }

        w.WriteEndObject();
    }
}

/// <summary>
/// ServiceNow Table API incident: create with <c>short_description</c> ≤ 160, urgency/impact from the severity and
/// <c>correlation_id</c> for dedup; an update (PATCH/PUT with a correlation id) adds a work note and, for a resolved
/// event, sets the state to Resolved.
/// </summary>
internal sealed class ServiceNowFormatter : JsonFormatterBase
{
    internal const int ShortDescriptionMax = 160;
    internal const int CorrelationIdMax = 100;

    public override string Name => WebhookFormats.ServiceNow;

    public override string? GetCacheKey(WebhookFormatContext context) => null;

    protected override void Write(Utf8JsonWriter w, WebhookFormatContext context)
    {
        var evt = context.Event;
        var severity = SeverityMap.Of(evt);
        var (urgency, impact) = SeverityMap.ServiceNow(severity);
        var text = FormatKit.Readable(evt, WebhookTextFormat.PlainText, "plain") + (string.IsNullOrEmpty(evt.Summary) ? string.Empty : "\n") + "Event: " + evt.Id + " (" + evt.Type + ")";
        w.WriteStartObject();
        if (context.CorrelationId is null)
        {
            w.WriteString("short_description", TextLimits.Truncate(FormatKit.Title(evt).Replace('\n', ' '), ShortDescriptionMax));
            w.WriteString("description", text);
            w.WriteString("category", FormatKit.Setting(context, "category", "inquiry"));
            if (FormatKit.Setting(context, "assignmentGroup", string.Empty) is { Length: > 0 } group)
            {
                w.WriteString("assignment_group", group);
            }

            w.WriteString("correlation_id", TextLimits.Truncate(evt.CorrelationKey ?? evt.Id, CorrelationIdMax, string.Empty));
            w.WriteString("correlation_display", "webhooks-sdk");
        }
        else
        {
            w.WriteString("work_notes", FormatKit.Title(evt) + "\n" + text);
        }

        w.WriteString("urgency", urgency);
        w.WriteString("impact", impact);
        if (severity == WebhookSeverity.Resolved)
        {
            w.WriteString("state", "6");
            w.WriteString("close_code", FormatKit.Setting(context, "closeCode", "Solved (Permanently)"));
            w.WriteString("close_notes", FormatKit.Title(evt));
        }

        w.WriteEndObject();
    }
}

/// <summary>
/// Zendesk Support ticket: create with subject, private comment (plain or HTML per the text format), priority, tags and
/// <c>external_id</c>; an update (with a correlation id) adds a comment and, for a resolved event, sets <c>solved</c>.
/// </summary>
internal sealed class ZendeskFormatter : JsonFormatterBase
{
    internal const int SubjectMax = 255;

    public override string Name => WebhookFormats.Zendesk;

    public override string? GetCacheKey(WebhookFormatContext context) => null;

    protected override void Write(Utf8JsonWriter w, WebhookFormatContext context)
    {
        var evt = context.Event;
        var severity = SeverityMap.Of(evt);
        var html = context.Destination.TextFormat == WebhookTextFormat.Html;
        var body = FormatKit.Readable(evt, html ? WebhookTextFormat.Html : WebhookTextFormat.PlainText, "plain", includeTitle: context.CorrelationId is not null);
        var footer = "Event: " + evt.Id + " (" + evt.Type + ")";
        body = body.Length == 0 ? footer : body + (html ? "<br>" : "\n") + (html ? System.Net.WebUtility.HtmlEncode(footer) : footer);
        w.WriteStartObject();
        w.WriteStartObject("ticket");
        if (context.CorrelationId is null)
        {
            w.WriteString("subject", TextLimits.Truncate(FormatKit.Title(evt).Replace('\n', ' '), SubjectMax));
        }

        w.WriteStartObject("comment");
        w.WriteString(html ? "html_body" : "body", body);
        w.WriteBoolean("public", false);
        w.WriteEndObject();
        w.WriteString("priority", SeverityMap.ZendeskPriority(severity));
        if (context.CorrelationId is null)
        {
            w.WriteString("type", "incident");
            w.WriteStartArray("tags");
            w.WriteStringValue(Tag(evt.Type));
            w.WriteStringValue("webhooks_sdk");
            w.WriteEndArray();
            w.WriteString("external_id", evt.CorrelationKey ?? evt.Id);
        }

        if (severity == WebhookSeverity.Resolved)
        {
            w.WriteString("status", "solved");
        }

        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>Tags are lower case without spaces; dots become underscores.</summary>
    internal static string Tag(string value)
    {
        var chars = value.ToLowerInvariant().ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (char.IsWhiteSpace(chars[i]) || chars[i] == '.')
            {
                chars[i] = '_';
            }
        }

        return new string(chars);
    }
}
