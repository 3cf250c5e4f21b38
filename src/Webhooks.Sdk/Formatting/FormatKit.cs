using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Webhooks.Sdk.Formatting;

/// <summary>
/// The library's severity mapping (not defined by any vendor; see docs/formats.md). Events without a severity are
/// treated as <see cref="WebhookSeverity.Info"/>.
/// </summary>
internal static class SeverityMap
{
    public static WebhookSeverity Of(WebhookEvent evt) => evt.Severity ?? WebhookSeverity.Info;

    public static string Name(WebhookEvent evt) => EnvelopeSerializer.SeverityName(Of(evt));

    /// <summary>Chat colour as an RGB integer.</summary>
    public static int Color(WebhookSeverity s) => s switch
    {
        WebhookSeverity.Critical => 0xD32F2F,
        WebhookSeverity.Error => 0xE64A19,
        WebhookSeverity.Warning => 0xFFA000,
        WebhookSeverity.Debug => 0x757575,
        WebhookSeverity.Resolved => 0x388E3C,
        _ => 0x1976D2,
    };

    public static string ColorHex(WebhookSeverity s) => "#" + Color(s).ToString("X6", CultureInfo.InvariantCulture);

    /// <summary>Adaptive Card text colour.</summary>
    public static string TeamsColor(WebhookSeverity s) => s switch
    {
        WebhookSeverity.Critical or WebhookSeverity.Error => "Attention",
        WebhookSeverity.Warning => "Warning",
        WebhookSeverity.Resolved => "Good",
        _ => "Default",
    };

    /// <summary>Feishu card header template colour.</summary>
    public static string FeishuTemplate(WebhookSeverity s) => s switch
    {
        WebhookSeverity.Critical => "red",
        WebhookSeverity.Error => "orange",
        WebhookSeverity.Warning => "yellow",
        WebhookSeverity.Resolved => "green",
        WebhookSeverity.Debug => "grey",
        _ => "blue",
    };

    public static string DatadogAlertType(WebhookSeverity s) => s switch
    {
        WebhookSeverity.Critical or WebhookSeverity.Error => "error",
        WebhookSeverity.Warning => "warning",
        WebhookSeverity.Resolved => "success",
        _ => "info",
    };

    public static string OpsgeniePriority(WebhookSeverity s) => s switch
    {
        WebhookSeverity.Critical => "P1",
        WebhookSeverity.Error => "P2",
        WebhookSeverity.Warning => "P3",
        WebhookSeverity.Debug => "P5",
        _ => "P4",
    };

    public static string PagerDutySeverity(WebhookSeverity s) => s switch
    {
        WebhookSeverity.Critical => "critical",
        WebhookSeverity.Error => "error",
        WebhookSeverity.Warning => "warning",
        _ => "info",
    };

    public static int Cef(WebhookSeverity s) => s switch
    {
        WebhookSeverity.Critical => 10,
        WebhookSeverity.Error => 7,
        WebhookSeverity.Warning => 5,
        WebhookSeverity.Info => 3,
        _ => 0,
    };

    /// <summary>RFC 5424 severity code.</summary>
    public static int Syslog(WebhookSeverity s) => s switch
    {
        WebhookSeverity.Critical => 2,
        WebhookSeverity.Error => 3,
        WebhookSeverity.Warning => 4,
        WebhookSeverity.Resolved => 5,
        WebhookSeverity.Debug => 7,
        _ => 6,
    };

    /// <summary>ServiceNow urgency and impact (1 high … 3 low).</summary>
    public static (string Urgency, string Impact) ServiceNow(WebhookSeverity s) => s switch
    {
        WebhookSeverity.Critical => ("1", "1"),
        WebhookSeverity.Error => ("2", "2"),
        WebhookSeverity.Warning => ("2", "3"),
        _ => ("3", "3"),
    };

    public static string ZendeskPriority(WebhookSeverity s) => s switch
    {
        WebhookSeverity.Critical => "urgent",
        WebhookSeverity.Error => "high",
        WebhookSeverity.Warning => "normal",
        _ => "low",
    };
}

/// <summary>Building blocks shared by the built-in formatters.</summary>
internal static class FormatKit
{
    public const string JsonContentType = "application/json; charset=utf-8";

    /// <summary>The headline: the title, else the event type.</summary>
    public static string Title(WebhookEvent evt) => string.IsNullOrWhiteSpace(evt.Title) ? evt.Type : evt.Title;

    /// <summary>A one-line fallback such as <c>[ERROR] Login failed for alice (auth-service)</c>.</summary>
    public static string Headline(WebhookEvent evt)
    {
        var text = "[" + SeverityMap.Name(evt).ToUpperInvariant() + "] " + Title(evt);
        return evt.Source is { Length: > 0 } source ? text + " (" + source + ")" : text;
    }

    public static string Time(WebhookEvent evt) => evt.OccurredAt!.Value.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>The top-level members of the event's data as (name, text) pairs; nested values as compact JSON.</summary>
    public static List<KeyValuePair<string, string>> DataFields(WebhookEvent evt)
    {
        var fields = new List<KeyValuePair<string, string>>();
        if (evt.Data is { ValueKind: JsonValueKind.Object } data)
        {
            foreach (var property in data.EnumerateObject())
            {
                fields.Add(new(property.Name, ValueText(property.Value)));
            }
        }
        else if (evt.Data is { ValueKind: not (JsonValueKind.Undefined or JsonValueKind.Null) } other)
        {
            fields.Add(new("data", ValueText(other)));
        }

        return fields;
    }

    public static string ValueText(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Null => "null",
        _ => value.GetRawText(),
    };

    public static string Setting(WebhookFormatContext context, string key, string fallback)
        => context.Destination.FormatSettings.TryGetValue(key, out var value) && !string.IsNullOrWhiteSpace(value) ? value : fallback;

    public static string? Setting(WebhookDestinationDefinition destination, string key)
        => destination.FormatSettings is { } settings && settings.TryGetValue(key, out var value) && !string.IsNullOrWhiteSpace(value) ? value : null;

    /// <summary>Writes the data as a JSON object (an empty object when there is none; a non-object under <c>value</c>).</summary>
    public static void WriteDataObject(Utf8JsonWriter writer, WebhookEvent evt)
    {
        if (evt.Data is { ValueKind: JsonValueKind.Object } data)
        {
            data.WriteTo(writer);
            return;
        }

        writer.WriteStartObject();
        if (evt.Data is { ValueKind: not (JsonValueKind.Undefined or JsonValueKind.Null) } other)
        {
            writer.WritePropertyName("value");
            other.WriteTo(writer);
        }

        writer.WriteEndObject();
    }

    public static byte[] Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            write(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Slack and Google Chat escaping: only <c>&amp;</c>, <c>&lt;</c> and <c>&gt;</c>, ampersand first.</summary>
    public static string EscapeAngle(string text)
        => text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);

    /// <summary>Escapes Markdown specials (<c>\ * _ [ ] ` ~ | #</c> and <c>&lt;</c>, <c>&gt;</c>) with a backslash.</summary>
    public static string EscapeMarkdown(string text)
    {
        var sb = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            if (c is '\\' or '*' or '_' or '[' or ']' or '`' or '~' or '|' or '#' or '<' or '>')
            {
                sb.Append('\\');
            }

            sb.Append(c);
        }

        return sb.ToString();
    }

    /// <summary>
    /// The readable text of the event (title then summary) in the destination's text format. <paramref name="dialect"/>
    /// is the Markdown flavour: <c>slack</c> (mrkdwn), <c>md</c> (CommonMark-like) or <c>plain</c>.
    /// </summary>
    public static string Readable(WebhookEvent evt, WebhookTextFormat format, string dialect, bool includeTitle = false)
    {
        var title = Title(evt);
        var summary = evt.Summary ?? string.Empty;
        switch (format)
        {
            case WebhookTextFormat.PlainText:
                return includeTitle ? (summary.Length > 0 ? title + "\n" + summary : title) : summary;
            case WebhookTextFormat.Html:
                var html = WebUtility.HtmlEncode(summary).Replace("\n", "<br>", StringComparison.Ordinal);
                return includeTitle ? "<b>" + WebUtility.HtmlEncode(title) + "</b>" + (html.Length > 0 ? "<br>" + html : string.Empty) : html;
            default:
                var escaped = dialect == "slack" ? EscapeAngle(summary) : EscapeMarkdown(summary);
                if (!includeTitle)
                {
                    return escaped;
                }

                var head = dialect == "slack" ? "*" + EscapeAngle(title) + "*" : "**" + EscapeMarkdown(title) + "**";
                return escaped.Length > 0 ? head + "\n" + escaped : head;
        }
    }
}
