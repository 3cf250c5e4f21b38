using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Webhooks.Sdk.Formatting;

/// <summary>Slack incoming webhook: Block Kit with a <c>text</c> fallback. Limits: header 150, section 3000, 10 fields of 2000, 50 blocks.</summary>
internal sealed class SlackFormatter : JsonFormatterBase
{
    internal const int HeaderMax = 150;
    internal const int SectionMax = 3000;
    internal const int FieldMax = 2000;
    internal const int FieldsPerSection = 10;
    internal const int MaxBlocks = 50;
    internal const int TextMax = 3000;

    public override string Name => WebhookFormats.Slack;

    protected override void Write(Utf8JsonWriter w, WebhookFormatContext context)
    {
        var evt = context.Event;
        var plain = context.Destination.TextFormat == WebhookTextFormat.PlainText;
        w.WriteStartObject();
        w.WriteString("text", TextLimits.Truncate(FormatKit.EscapeAngle(FormatKit.Headline(evt)), TextMax));
        w.WriteStartArray("blocks");
        var blocks = 0;
        var truncated = false;

        w.WriteStartObject();
        w.WriteString("type", "header");
        WriteText(w, "plain_text", TextLimits.Truncate(FormatKit.Title(evt), HeaderMax), emoji: true);
        w.WriteEndObject();
        blocks++;

        // Reserve the closing context block and one "truncated" notice.
        const int reserved = 2;
        var summary = plain ? evt.Summary ?? string.Empty : FormatKit.EscapeAngle(evt.Summary ?? string.Empty);
        if (summary.Length > 0)
        {
            foreach (var part in TextLimits.Split(summary, SectionMax))
            {
                if (blocks >= MaxBlocks - reserved - 1)
                {
                    truncated = true;
                    break;
                }

                w.WriteStartObject();
                w.WriteString("type", "section");
                WriteText(w, plain ? "plain_text" : "mrkdwn", part);
                w.WriteEndObject();
                blocks++;
            }
        }

        var fields = new List<KeyValuePair<string, string>>
        {
            new("Severity", SeverityMap.Name(evt)),
            new("Type", evt.Type),
        };
        if (evt.Source is { Length: > 0 })
        {
            fields.Add(new("Source", evt.Source));
        }

        fields.AddRange(FormatKit.DataFields(evt));
        for (var i = 0; i < fields.Count; i += FieldsPerSection)
        {
            if (blocks >= MaxBlocks - reserved)
            {
                truncated = true;
                break;
            }

            w.WriteStartObject();
            w.WriteString("type", "section");
            w.WriteStartArray("fields");
            for (var j = i; j < Math.Min(i + FieldsPerSection, fields.Count); j++)
            {
                var (name, value) = fields[j];
                var text = plain ? name + "\n" + value : "*" + FormatKit.EscapeAngle(name) + "*\n" + FormatKit.EscapeAngle(value);
                w.WriteStartObject();
                WriteTextBody(w, plain ? "plain_text" : "mrkdwn", TextLimits.Truncate(text, FieldMax));
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
            blocks++;
        }

        w.WriteStartObject();
        w.WriteString("type", "context");
        w.WriteStartArray("elements");
        w.WriteStartObject();
        WriteTextBody(w, "mrkdwn", FormatKit.EscapeAngle("id " + evt.Id + " · " + FormatKit.Time(evt)));
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();

        if (truncated)
        {
            w.WriteStartObject();
            w.WriteString("type", "context");
            w.WriteStartArray("elements");
            w.WriteStartObject();
            WriteTextBody(w, "mrkdwn", "_Message truncated: Slack allows at most 50 blocks._");
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteText(Utf8JsonWriter w, string type, string text, bool emoji = false)
    {
        w.WriteStartObject("text");
        WriteTextBody(w, type, text);
        if (emoji)
        {
            w.WriteBoolean("emoji", true);
        }

        w.WriteEndObject();
    }

    private static void WriteTextBody(Utf8JsonWriter w, string type, string text)
    {
        w.WriteString("type", type);
        w.WriteString("text", text);
    }
}

/// <summary>Microsoft Teams Workflows webhook: a message with one Adaptive Card 1.4. The UTF-8 body is kept under 25,000 bytes.</summary>
internal sealed class TeamsFormatter : JsonFormatterBase
{
    internal const int MaxBytes = 25_000;

    public override string Name => WebhookFormats.Teams;

    public override WebhookPayload Format(WebhookFormatContext context)
    {
        var fields = FormatKit.DataFields(context.Event);
        var summary = context.Event.Summary ?? string.Empty;
        var body = Fit(MaxBytes, fields.Count, summary.Length, (count, chars) => FormatKit.Json(w => Write(w, context, fields, count, chars)));
        return new() { Body = body, ContentType = FormatKit.JsonContentType };
    }

    protected override void Write(Utf8JsonWriter writer, WebhookFormatContext context)
        => Write(writer, context, FormatKit.DataFields(context.Event), int.MaxValue, int.MaxValue);

    private static void Write(Utf8JsonWriter w, WebhookFormatContext context, List<KeyValuePair<string, string>> data, int fieldCount, int summaryChars)
    {
        var evt = context.Event;
        var severity = SeverityMap.Of(evt);
        w.WriteStartObject();
        w.WriteString("type", "message");
        w.WriteStartArray("attachments");
        w.WriteStartObject();
        w.WriteString("contentType", "application/vnd.microsoft.card.adaptive");
        w.WriteNull("contentUrl");
        w.WriteStartObject("content");
        w.WriteString("$schema", "http://adaptivecards.io/schemas/adaptive-card.json");
        w.WriteString("type", "AdaptiveCard");
        w.WriteString("version", "1.4");
        w.WriteStartObject("msteams");
        w.WriteString("width", "Full");
        w.WriteEndObject();
        w.WriteStartArray("body");
        w.WriteStartObject();
        w.WriteString("type", "TextBlock");
        w.WriteString("text", Text(FormatKit.Title(evt)));
        w.WriteString("size", "Large");
        w.WriteString("weight", "Bolder");
        w.WriteBoolean("wrap", true);
        w.WriteString("color", SeverityMap.TeamsColor(severity));
        w.WriteEndObject();
        if (!string.IsNullOrEmpty(evt.Summary))
        {
            w.WriteStartObject();
            w.WriteString("type", "TextBlock");
            w.WriteString("text", Text(TextLimits.Truncate(evt.Summary, summaryChars)));
            w.WriteBoolean("wrap", true);
            w.WriteEndObject();
        }

        w.WriteStartObject();
        w.WriteString("type", "FactSet");
        w.WriteStartArray("facts");
        Fact(w, "Severity", SeverityMap.Name(evt));
        Fact(w, "Type", evt.Type);
        if (evt.Source is { Length: > 0 })
        {
            Fact(w, "Source", evt.Source);
        }

        Fact(w, "Time", FormatKit.Time(evt));
        Fact(w, "Id", evt.Id!);
        for (var i = 0; i < Math.Min(fieldCount, data.Count); i++)
        {
            Fact(w, data[i].Key, data[i].Value);
        }

        w.WriteEndArray();
        w.WriteEndObject();
        if (fieldCount < data.Count)
        {
            w.WriteStartObject();
            w.WriteString("type", "TextBlock");
            w.WriteString("text", $"{data.Count - fieldCount} more field(s) left out to fit the 28 KB message limit.");
            w.WriteBoolean("isSubtle", true);
            w.WriteBoolean("wrap", true);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
    }

    // Adaptive Card text is always a Markdown subset (no HTML), so user data is escaped whatever the text format.
    private static string Text(string text) => FormatKit.EscapeMarkdown(text);

    private static void Fact(Utf8JsonWriter w, string title, string value)
    {
        w.WriteStartObject();
        w.WriteString("title", Text(title));
        w.WriteString("value", Text(value));
        w.WriteEndObject();
    }
}

/// <summary>Discord execute-webhook with one embed; sent with <c>wait=true</c>. Embed limits and the 6000 aggregate are enforced.</summary>
internal sealed class DiscordFormatter : JsonFormatterBase
{
    internal const int ContentMax = 2000;
    internal const int TitleMax = 256;
    internal const int DescriptionMax = 4096;
    internal const int MaxFields = 25;
    internal const int FieldNameMax = 256;
    internal const int FieldValueMax = 1024;
    internal const int FooterMax = 2048;
    internal const int TotalMax = 6000;

    public override string Name => WebhookFormats.Discord;

    public override string? GetCacheKey(WebhookFormatContext context) => null;

    public override WebhookPayload Format(WebhookFormatContext context)
        => new() { Body = FormatKit.Json(w => Write(w, context)), ContentType = FormatKit.JsonContentType, Url = WithWait(context.Destination.Url) };

    internal static string WithWait(string url)
    {
        if (url.Contains("wait=", StringComparison.OrdinalIgnoreCase))
        {
            return url;
        }

        return url + (url.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "wait=true";
    }

    protected override void Write(Utf8JsonWriter w, WebhookFormatContext context)
    {
        var evt = context.Event;
        var title = TextLimits.Truncate(FormatKit.Title(evt).Trim(), TitleMax);
        var footer = TextLimits.Truncate(evt.Source is { Length: > 0 } s ? s + " · " + evt.Id : evt.Id!, FooterMax);
        var fields = new List<KeyValuePair<string, string>> { new("Severity", SeverityMap.Name(evt)), new("Type", evt.Type) };
        fields.AddRange(FormatKit.DataFields(evt));
        var kept = new List<KeyValuePair<string, string>>();
        var used = title.Length + footer.Length;
        var description = FormatKit.Readable(evt, context.Destination.TextFormat == WebhookTextFormat.Html ? WebhookTextFormat.Markdown : context.Destination.TextFormat, "md").Trim();
        var descriptionBudget = Math.Min(DescriptionMax, Math.Max(0, TotalMax - used - 2 * (6 + 32)));
        description = TextLimits.Truncate(description, Math.Min(description.Length, descriptionBudget));
        used += description.Length;
        foreach (var (name, value) in fields)
        {
            if (kept.Count == MaxFields)
            {
                break;
            }

            var n = TextLimits.Truncate(string.IsNullOrWhiteSpace(name) ? "-" : name.Trim(), FieldNameMax);
            var v = TextLimits.Truncate(string.IsNullOrWhiteSpace(value) ? "-" : value.Trim(), FieldValueMax);
            if (used + n.Length + v.Length > TotalMax)
            {
                break;
            }

            used += n.Length + v.Length;
            kept.Add(new(n, v));
        }

        w.WriteStartObject();
        w.WriteString("content", TextLimits.Truncate(FormatKit.Headline(evt), ContentMax));
        w.WriteStartObject("allowed_mentions");
        w.WriteStartArray("parse");
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteStartArray("embeds");
        w.WriteStartObject();
        w.WriteString("title", title);
        if (description.Length > 0)
        {
            w.WriteString("description", description);
        }

        w.WriteNumber("color", SeverityMap.Color(SeverityMap.Of(evt)));
        w.WriteString("timestamp", FormatKit.Time(evt));
        w.WriteStartObject("footer");
        w.WriteString("text", footer);
        w.WriteEndObject();
        w.WriteStartArray("fields");
        foreach (var (name, value) in kept)
        {
            w.WriteStartObject();
            w.WriteString("name", name);
            w.WriteString("value", value);
            w.WriteBoolean("inline", true);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
    }
}

/// <summary>Google Chat incoming webhook with a cardsV2 card; body at most 32,000 UTF-8 bytes; optional thread key.</summary>
internal sealed class GoogleChatFormatter : JsonFormatterBase
{
    internal const int MaxBytes = 32_000;

    public override string Name => WebhookFormats.GoogleChat;

    public override string? GetCacheKey(WebhookFormatContext context) => null;

    public override WebhookPayload Format(WebhookFormatContext context)
    {
        var fields = FormatKit.DataFields(context.Event);
        var threadKey = ThreadKey(context);
        var body = Fit(MaxBytes, fields.Count, (context.Event.Summary ?? string.Empty).Length, (count, chars) => FormatKit.Json(w => Write(w, context, fields, count, chars, threadKey)));
        string? url = null;
        if (threadKey is not null && !context.Destination.Url.Contains("messageReplyOption=", StringComparison.Ordinal))
        {
            url = context.Destination.Url + (context.Destination.Url.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "messageReplyOption=REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD";
        }

        return new() { Body = body, ContentType = "application/json; charset=UTF-8", Url = url };
    }

    protected override void Write(Utf8JsonWriter writer, WebhookFormatContext context)
        => Write(writer, context, FormatKit.DataFields(context.Event), int.MaxValue, int.MaxValue, ThreadKey(context));

    private static string? ThreadKey(WebhookFormatContext context)
    {
        if (!context.Destination.FormatSettings.TryGetValue("threadKey", out var template) || string.IsNullOrWhiteSpace(template))
        {
            return null;
        }

        return Templates.TemplateEngine.Render(template, Templates.TemplateValues.From(context), Templates.TemplateEscaping.None, null, PayloadRenderer.MaxHeaderValueLength, "threadKey");
    }

    private static void Write(Utf8JsonWriter w, WebhookFormatContext context, List<KeyValuePair<string, string>> data, int fieldCount, int summaryChars, string? threadKey)
    {
        var evt = context.Event;
        var html = context.Destination.TextFormat != WebhookTextFormat.PlainText;
        string Esc(string s) => html ? FormatKit.EscapeAngle(s) : s;
        w.WriteStartObject();
        w.WriteString("text", FormatKit.EscapeAngle(FormatKit.Headline(evt)));
        if (threadKey is not null)
        {
            w.WriteStartObject("thread");
            w.WriteString("threadKey", threadKey);
            w.WriteEndObject();
        }

        w.WriteStartArray("cardsV2");
        w.WriteStartObject();
        w.WriteString("cardId", evt.Id);
        w.WriteStartObject("card");
        w.WriteStartObject("header");
        w.WriteString("title", FormatKit.Title(evt));
        w.WriteString("subtitle", (evt.Source is { Length: > 0 } s ? s + " · " : string.Empty) + SeverityMap.Name(evt));
        w.WriteEndObject();
        w.WriteStartArray("sections");
        w.WriteStartObject();
        w.WriteStartArray("widgets");
        if (!string.IsNullOrEmpty(evt.Summary))
        {
            w.WriteStartObject();
            w.WriteStartObject("textParagraph");
            var summary = TextLimits.Truncate(evt.Summary, summaryChars);
            w.WriteString("text", html ? FormatKit.EscapeAngle(summary).Replace("\n", "<br>", StringComparison.Ordinal) : summary);
            w.WriteEndObject();
            w.WriteEndObject();
        }

        Decorated(w, "Type", Esc(evt.Type));
        Decorated(w, "Time", FormatKit.Time(evt));
        for (var i = 0; i < Math.Min(fieldCount, data.Count); i++)
        {
            Decorated(w, Esc(data[i].Key), Esc(data[i].Value));
        }

        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void Decorated(Utf8JsonWriter w, string label, string text)
    {
        w.WriteStartObject();
        w.WriteStartObject("decoratedText");
        w.WriteString("topLabel", label);
        w.WriteString("text", text);
        w.WriteBoolean("wrapText", true);
        w.WriteEndObject();
        w.WriteEndObject();
    }
}

/// <summary>
/// Feishu / Lark custom bot: an <c>interactive</c> card (JSON 2.0), at most 20,000 UTF-8 bytes. When the
/// <c>secret</c> setting is present the body carries Feishu's <c>timestamp</c> and <c>sign</c>.
/// </summary>
internal sealed class FeishuFormatter : JsonFormatterBase
{
    internal const int MaxBytes = 20_000;
    private readonly TimeProvider _time;

    public FeishuFormatter(TimeProvider time) => _time = time;

    public override string Name => WebhookFormats.Feishu;

    public override IReadOnlyCollection<string> SecretSettings { get; } = ["secret"];

    public override string? GetCacheKey(WebhookFormatContext context)
        => context.Destination.FormatSettings.ContainsKey("secret") ? null : base.GetCacheKey(context);

    /// <summary>Feishu's signature: Base64(HMAC-SHA256(key = "timestamp\nsecret", message = empty)).</summary>
    public static string Sign(long timestamp, string secret)
    {
        var key = Encoding.UTF8.GetBytes(timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n" + secret);
        return Convert.ToBase64String(HMACSHA256.HashData(key, Array.Empty<byte>()));
    }

    public override WebhookPayload Format(WebhookFormatContext context)
    {
        var fields = FormatKit.DataFields(context.Event);
        long? timestamp = context.Destination.FormatSettings.ContainsKey("secret") ? _time.GetUtcNow().ToUnixTimeSeconds() : null;
        var body = Fit(MaxBytes, fields.Count, (context.Event.Summary ?? string.Empty).Length, (count, chars) => FormatKit.Json(w => Write(w, context, fields, count, chars, timestamp)));
        return new() { Body = body, ContentType = FormatKit.JsonContentType };
    }

    protected override void Write(Utf8JsonWriter writer, WebhookFormatContext context)
        => Write(writer, context, FormatKit.DataFields(context.Event), int.MaxValue, int.MaxValue, null);

    private static void Write(Utf8JsonWriter w, WebhookFormatContext context, List<KeyValuePair<string, string>> data, int fieldCount, int summaryChars, long? timestamp)
    {
        var evt = context.Event;
        w.WriteStartObject();
        if (timestamp is { } ts && context.Destination.FormatSettings.TryGetValue("secret", out var secret))
        {
            w.WriteString("timestamp", ts.ToString(System.Globalization.CultureInfo.InvariantCulture));
            w.WriteString("sign", Sign(ts, secret));
        }

        w.WriteString("msg_type", "interactive");
        w.WriteStartObject("card");
        w.WriteString("schema", "2.0");
        w.WriteStartObject("header");
        PlainText(w, "title", FormatKit.Title(evt));
        PlainText(w, "subtitle", (evt.Source is { Length: > 0 } s ? s + " · " : string.Empty) + SeverityMap.Name(evt));
        w.WriteString("template", SeverityMap.FeishuTemplate(SeverityMap.Of(evt)));
        w.WriteEndObject();
        w.WriteStartObject("body");
        w.WriteStartArray("elements");
        var plain = context.Destination.TextFormat == WebhookTextFormat.PlainText;
        var sb = new StringBuilder();
        sb.Append("**Type:** ").Append(FormatKit.EscapeMarkdown(evt.Type)).Append('\n');
        sb.Append("**Time:** ").Append(FormatKit.Time(evt)).Append('\n');
        for (var i = 0; i < Math.Min(fieldCount, data.Count); i++)
        {
            sb.Append("**").Append(FormatKit.EscapeMarkdown(data[i].Key)).Append(":** ").Append(FormatKit.EscapeMarkdown(data[i].Value)).Append('\n');
        }

        if (!string.IsNullOrEmpty(evt.Summary))
        {
            var summary = TextLimits.Truncate(evt.Summary, summaryChars);
            sb.Append(plain ? summary : FormatKit.EscapeMarkdown(summary));
        }

        w.WriteStartObject();
        w.WriteString("tag", "markdown");
        w.WriteString("content", sb.ToString().TrimEnd('\n'));
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void PlainText(Utf8JsonWriter w, string name, string text)
    {
        w.WriteStartObject(name);
        w.WriteString("tag", "plain_text");
        w.WriteString("content", text);
        w.WriteEndObject();
    }
}
