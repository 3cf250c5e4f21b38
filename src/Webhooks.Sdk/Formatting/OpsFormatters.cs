using System.Globalization;
using System.Text.Json;

namespace Webhooks.Sdk.Formatting;

/// <summary>Datadog Events API v1 (<c>POST /api/v1/events</c>): <c>text</c> ≤ 4000 (Markdown block), <c>aggregation_key</c> ≤ 100.</summary>
internal sealed class DatadogFormatter : JsonFormatterBase
{
    internal const int TextMax = 4000;
    internal const int AggregationKeyMax = 100;
    private const string MarkdownOpen = "%%% \n";
    private const string MarkdownClose = "\n %%%";

    public override string Name => WebhookFormats.Datadog;

    protected override void Write(Utf8JsonWriter w, WebhookFormatContext context)
    {
        var evt = context.Event;
        var markdown = context.Destination.TextFormat != WebhookTextFormat.PlainText;
        var lines = new System.Text.StringBuilder(evt.Summary ?? string.Empty);
        foreach (var (name, value) in FormatKit.DataFields(evt))
        {
            lines.Append('\n').Append(name).Append(": ").Append(value);
        }

        var text = lines.ToString().TrimStart('\n');
        text = markdown
            ? MarkdownOpen + TextLimits.Truncate(text, TextMax - MarkdownOpen.Length - MarkdownClose.Length) + MarkdownClose
            : TextLimits.Truncate(text, TextMax);
        w.WriteStartObject();
        w.WriteString("title", FormatKit.Title(evt));
        w.WriteString("text", text);
        w.WriteString("alert_type", SeverityMap.DatadogAlertType(SeverityMap.Of(evt)));
        w.WriteString("priority", "normal");
        w.WriteStartArray("tags");
        w.WriteStringValue("event_type:" + evt.Type);
        w.WriteStringValue("severity:" + SeverityMap.Name(evt));
        w.WriteStringValue("event_id:" + evt.Id);
        if (evt.Source is { Length: > 0 } source)
        {
            w.WriteStringValue("source:" + source);
        }

        w.WriteEndArray();
        w.WriteString("aggregation_key", TextLimits.Truncate(evt.CorrelationKey ?? evt.Type, AggregationKeyMax, string.Empty));
        w.WriteString("source_type_name", FormatKit.Setting(context, "sourceTypeName", "my_apps"));
        if (context.Destination.FormatSettings.TryGetValue("host", out var host))
        {
            w.WriteString("host", host);
        }

        w.WriteNumber("date_happened", evt.OccurredAt!.Value.ToUnixTimeSeconds());
        w.WriteEndObject();
    }
}

/// <summary>Splunk HTTP Event Collector <c>/services/collector/event</c> envelope.</summary>
internal sealed class SplunkFormatter : JsonFormatterBase
{
    public override string Name => WebhookFormats.Splunk;

    public override string? GetCacheKey(WebhookFormatContext context) => null;

    protected override void Write(Utf8JsonWriter w, WebhookFormatContext context)
    {
        var evt = context.Event;
        var settings = context.Destination.FormatSettings;
        w.WriteStartObject();
        w.WriteNumber("time", decimal.Round(evt.OccurredAt!.Value.ToUnixTimeMilliseconds() / 1000m, 3));
        if (settings.TryGetValue("host", out var host))
        {
            w.WriteString("host", host);
        }

        if (settings.TryGetValue("source", out var source) || (source = evt.Source) is not null)
        {
            w.WriteString("source", source);
        }

        w.WriteString("sourcetype", FormatKit.Setting(context, "sourcetype", "_json"));
        if (settings.TryGetValue("index", out var index))
        {
            w.WriteString("index", index);
        }

        w.WriteStartObject("event");
        w.WriteString("id", evt.Id);
        w.WriteString("type", evt.Type);
        w.WriteString("time", FormatKit.Time(evt));
        w.WriteString("severity", SeverityMap.Name(evt));
        w.WriteString("title", FormatKit.Title(evt));
        if (evt.Summary is not null)
        {
            w.WriteString("summary", evt.Summary);
        }

        if (evt.Subject is not null)
        {
            w.WriteString("subject", evt.Subject);
        }

        if (evt.CorrelationKey is not null)
        {
            w.WriteString("correlationKey", evt.CorrelationKey);
        }

        w.WritePropertyName("data");
        FormatKit.WriteDataObject(w, evt);
        w.WriteEndObject();
        w.WriteStartObject("fields");
        w.WriteString("severity", SeverityMap.Name(evt));
        w.WriteString("event_type", evt.Type);
        w.WriteEndObject();
        w.WriteEndObject();
    }
}

/// <summary>
/// Opsgenie Alert API v2: create with <c>alias</c> (correlation key, else event id) for dedup; a
/// <see cref="WebhookSeverity.Resolved"/> event closes the alert by alias.
/// </summary>
internal sealed class OpsgenieFormatter : JsonFormatterBase
{
    internal const int MessageMax = 130;
    internal const int AliasMax = 512;
    internal const int DescriptionMax = 15_000;
    internal const int MaxTags = 20;
    internal const int TagMax = 50;
    internal const int DetailsMax = 8000;
    internal const int EntityMax = 512;
    internal const int SourceMax = 100;

    public override string Name => WebhookFormats.Opsgenie;

    public override string? GetCacheKey(WebhookFormatContext context) => null;

    internal static string Alias(WebhookEvent evt) => TextLimits.Truncate(evt.CorrelationKey ?? evt.Id, AliasMax, string.Empty);

    public override WebhookPayload Format(WebhookFormatContext context)
    {
        var payload = base.Format(context);
        if (SeverityMap.Of(context.Event) != WebhookSeverity.Resolved)
        {
            return payload;
        }

        var url = context.Destination.Url;
        var query = url.IndexOf('?', StringComparison.Ordinal);
        var path = (query >= 0 ? url[..query] : url).TrimEnd('/');
        return new WebhookPayload
        {
            Body = payload.Body,
            ContentType = payload.ContentType,
            Url = path + "/" + Uri.EscapeDataString(Alias(context.Event)) + "/close?identifierType=alias",
        };
    }

    protected override void Write(Utf8JsonWriter w, WebhookFormatContext context)
    {
        var evt = context.Event;
        var source = TextLimits.Truncate(evt.Source ?? "webhooks-sdk", SourceMax);
        w.WriteStartObject();
        if (SeverityMap.Of(evt) == WebhookSeverity.Resolved)
        {
            w.WriteString("source", source);
            w.WriteString("note", TextLimits.Truncate(FormatKit.Title(evt) + (evt.Summary is { Length: > 0 } s ? "\n" + s : string.Empty), 25_000));
            w.WriteEndObject();
            return;
        }

        w.WriteString("message", TextLimits.Truncate(FormatKit.Title(evt), MessageMax));
        w.WriteString("alias", Alias(evt));
        w.WriteString("description", TextLimits.Truncate((evt.Summary ?? string.Empty) + "\nType: " + evt.Type, DescriptionMax));
        w.WriteStartArray("tags");
        var tags = new List<string> { evt.Type, SeverityMap.Name(evt) };
        if (evt.Source is { Length: > 0 })
        {
            tags.Add(evt.Source);
        }

        foreach (var tag in tags.Take(MaxTags))
        {
            w.WriteStringValue(TextLimits.Truncate(tag, TagMax, string.Empty));
        }

        w.WriteEndArray();
        w.WriteStartObject("details");
        var used = 0;
        var details = new List<KeyValuePair<string, string>> { new("event_id", evt.Id!), new("time", FormatKit.Time(evt)) };
        details.AddRange(FormatKit.DataFields(evt));
        foreach (var (key, value) in details)
        {
            var room = DetailsMax - used - key.Length;
            if (room <= 0)
            {
                break;
            }

            var v = TextLimits.Truncate(value, room);
            used += key.Length + v.Length;
            w.WriteString(key, v);
        }

        w.WriteEndObject();
        if (evt.Subject is { Length: > 0 } subject)
        {
            w.WriteString("entity", TextLimits.Truncate(subject, EntityMax));
        }

        w.WriteString("source", source);
        w.WriteString("priority", SeverityMap.OpsgeniePriority(SeverityMap.Of(evt)));
        w.WriteEndObject();
    }
}

/// <summary>
/// PagerDuty Events API v2: <c>trigger</c>, or <c>resolve</c> for a <see cref="WebhookSeverity.Resolved"/> event,
/// with <c>dedup_key</c> = correlation key (else event id). Requires the <c>routingKey</c> setting.
/// </summary>
internal sealed class PagerDutyFormatter : JsonFormatterBase
{
    internal const int SummaryMax = 1024;
    internal const int DedupKeyMax = 255;
    internal const int MaxBytes = 512 * 1024;

    public override string Name => WebhookFormats.PagerDuty;

    public override IReadOnlyCollection<string> SecretSettings { get; } = ["routingKey"];

    public override string? GetCacheKey(WebhookFormatContext context) => null;

    public override void Validate(WebhookDestinationDefinition destination, IList<WebhookValidationError> errors)
        => Require(destination, "routingKey", "the 32-character integration key of the PagerDuty service", errors);

    public override WebhookPayload Format(WebhookFormatContext context)
    {
        var body = Fit(MaxBytes, int.MaxValue, int.MaxValue, (fields, chars) => FormatKit.Json(w => Write(w, context, fields > 0)));
        return new() { Body = body, ContentType = FormatKit.JsonContentType };
    }

    protected override void Write(Utf8JsonWriter writer, WebhookFormatContext context) => Write(writer, context, true);

    private static void Write(Utf8JsonWriter w, WebhookFormatContext context, bool withData)
    {
        var evt = context.Event;
        w.WriteStartObject();
        w.WriteString("routing_key", FormatKit.Setting(context, "routingKey", string.Empty));
        var resolve = SeverityMap.Of(evt) == WebhookSeverity.Resolved;
        w.WriteString("event_action", resolve ? "resolve" : "trigger");
        w.WriteString("dedup_key", TextLimits.Truncate(evt.CorrelationKey ?? evt.Id, DedupKeyMax, string.Empty));
        if (!resolve)
        {
            w.WriteStartObject("payload");
            w.WriteString("summary", TextLimits.Truncate(FormatKit.Title(evt), SummaryMax));
            w.WriteString("source", evt.Source ?? FormatKit.Setting(context, "source", "webhooks-sdk"));
            w.WriteString("severity", SeverityMap.PagerDutySeverity(SeverityMap.Of(evt)));
            w.WriteString("timestamp", FormatKit.Time(evt));
            w.WriteString("class", evt.Type);
            if (evt.Subject is { Length: > 0 } subject)
            {
                w.WriteString("component", subject);
            }

            w.WriteStartObject("custom_details");
            if (evt.Summary is not null)
            {
                w.WriteString("summary", withData ? evt.Summary : TextLimits.Truncate(evt.Summary, 4096));
            }

            w.WriteString("event_id", evt.Id);
            if (withData)
            {
                w.WritePropertyName("data");
                FormatKit.WriteDataObject(w, evt);
            }
            else
            {
                w.WriteString("data", "left out: the event exceeded PagerDuty's 512 KB limit");
            }

            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteString("client", "Webhooks.Sdk");
        }

        w.WriteEndObject();
    }
}

/// <summary>CloudEvents 1.0 over HTTP: structured mode (<c>application/cloudevents+json</c>) or binary mode (<c>ce-</c> headers).</summary>
internal sealed class CloudEventsFormatter : IWebhookFormatter
{
    public const string StructuredContentType = "application/cloudevents+json; charset=utf-8";

    public string Name => WebhookFormats.CloudEvents;

    public void Validate(WebhookDestinationDefinition destination, IList<WebhookValidationError> errors)
    {
        if (FormatKit.Setting(destination, "mode") is { } mode && mode is not ("structured" or "binary"))
        {
            errors.Add(new("FormatSettings.mode", $"must be 'structured' or 'binary', not '{mode}'"));
        }

        if (FormatKit.Setting(destination, "source") is { } source && !Uri.IsWellFormedUriString(source, UriKind.RelativeOrAbsolute))
        {
            errors.Add(new("FormatSettings.source", "must be a URI-reference"));
        }
    }

    public string? GetCacheKey(WebhookFormatContext context)
        => string.Concat(FormatKit.Setting(context, "mode", "structured"), "|", FormatKit.Setting(context, "source", string.Empty), "|", FormatKit.Setting(context, "typePrefix", string.Empty));

    public WebhookPayload Format(WebhookFormatContext context)
    {
        var attributes = Attributes(context);
        if (FormatKit.Setting(context, "mode", "structured") == "binary")
        {
            var headers = attributes.Select(a => new KeyValuePair<string, string>("ce-" + a.Key, PercentEncode(a.Value))).ToList();
            var data = FormatKit.Json(w => FormatKit.WriteDataObject(w, context.Event));
            return new() { Body = data, ContentType = "application/json", Headers = headers };
        }

        var body = FormatKit.Json(w =>
        {
            w.WriteStartObject();
            foreach (var (name, value) in attributes)
            {
                w.WriteString(name, value);
            }

            w.WriteString("datacontenttype", "application/json");
            w.WritePropertyName("data");
            FormatKit.WriteDataObject(w, context.Event);
            w.WriteEndObject();
        });
        return new() { Body = body, ContentType = StructuredContentType };
    }

    /// <summary>The context attributes in order: specversion, id, source, type, time, then optional ones and extensions.</summary>
    internal static List<KeyValuePair<string, string>> Attributes(WebhookFormatContext context)
    {
        var evt = context.Event;
        var list = new List<KeyValuePair<string, string>>
        {
            new("specversion", "1.0"),
            new("id", evt.Id!),
            new("source", Source(context)),
            new("type", FormatKit.Setting(context, "typePrefix", string.Empty) + evt.Type),
            new("time", evt.OccurredAt!.Value.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)),
        };
        if (!string.IsNullOrEmpty(evt.Subject))
        {
            list.Add(new("subject", Clean(evt.Subject)));
        }

        if (evt.Severity is not null)
        {
            list.Add(new("severity", SeverityMap.Name(evt)));
        }

        if (!string.IsNullOrEmpty(evt.Title))
        {
            list.Add(new("title", Clean(evt.Title)));
        }

        if (!string.IsNullOrEmpty(evt.CorrelationKey))
        {
            list.Add(new("correlationkey", Clean(evt.CorrelationKey)));
        }

        return list;
    }

    private static string Source(WebhookFormatContext context)
    {
        var source = FormatKit.Setting(context, "source", context.Event.Source ?? string.Empty);
        if (source.Length == 0)
        {
            return "/webhooks-sdk";
        }

        return Uri.IsWellFormedUriString(source, UriKind.RelativeOrAbsolute) ? source : "urn:webhooks-sdk:" + Uri.EscapeDataString(source);
    }

    /// <summary>Attribute strings may not hold control characters: each becomes a space.</summary>
    internal static string Clean(string value)
    {
        var chars = value.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (chars[i] is < ' ' or (>= '\u007f' and <= '\u009f'))
            {
                chars[i] = ' ';
            }
        }

        return new string(chars);
    }

    /// <summary>Binary-mode header encoding: space, <c>"</c>, <c>%</c> and anything outside U+0021–U+007E as UTF-8 <c>%XX</c>.</summary>
    internal static string PercentEncode(string value)
    {
        var sb = new System.Text.StringBuilder(value.Length);
        Span<byte> bytes = stackalloc byte[4];
        foreach (var rune in value.EnumerateRunes())
        {
            if (rune.Value is > 0x20 and < 0x7F and not '"' and not '%')
            {
                sb.Append((char)rune.Value);
                continue;
            }

            var n = rune.EncodeToUtf8(bytes);
            for (var i = 0; i < n; i++)
            {
                sb.Append('%').Append(bytes[i].ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return sb.ToString();
    }
}
