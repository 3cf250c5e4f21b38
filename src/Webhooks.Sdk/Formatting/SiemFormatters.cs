using System.Globalization;
using System.Text;

namespace Webhooks.Sdk.Formatting;

/// <summary>ArcSight Common Event Format, one line: <c>CEF:0|vendor|product|version|type|title|severity|extension</c>.</summary>
internal sealed class CefFormatter : IWebhookFormatter
{
    internal const int NameMax = 512;
    internal const int MsgMax = 1023;
    internal const int CustomStringMax = 4000;
    internal const int LabelMax = 1023;
    internal const int ExternalIdMax = 40;
    internal const string ContentType = "text/plain; charset=utf-8";
    private static readonly string DefaultVersion = typeof(CefFormatter).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    public string Name => WebhookFormats.Cef;

    public string? GetCacheKey(WebhookFormatContext context)
        => string.Concat(FormatKit.Setting(context, "vendor", string.Empty), "|", FormatKit.Setting(context, "product", string.Empty), "|", FormatKit.Setting(context, "version", string.Empty));

    public WebhookPayload Format(WebhookFormatContext context)
        => new() { Body = Encoding.UTF8.GetBytes(Line(context)), ContentType = ContentType };

    internal static string Line(WebhookFormatContext context)
    {
        var evt = context.Event;
        var sb = new StringBuilder(256);
        sb.Append("CEF:0|");
        AppendHeader(sb, FormatKit.Setting(context, "vendor", "Webhooks.Sdk"));
        AppendHeader(sb, FormatKit.Setting(context, "product", "Webhooks.Sdk"));
        AppendHeader(sb, FormatKit.Setting(context, "version", DefaultVersion));
        AppendHeader(sb, evt.Type);
        AppendHeader(sb, TextLimits.Truncate(FormatKit.Title(evt), NameMax));
        sb.Append(SeverityMap.Cef(SeverityMap.Of(evt)).ToString(CultureInfo.InvariantCulture)).Append('|');
        var first = true;
        void Ext(string key, string? value, int max)
        {
            if (string.IsNullOrEmpty(value))
            {
                return;
            }

            if (!first)
            {
                sb.Append(' ');
            }

            first = false;
            sb.Append(key).Append('=').Append(EscapeExtension(TextLimits.Truncate(value, max)));
        }

        Ext("rt", evt.OccurredAt!.Value.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture), 20);
        Ext("msg", evt.Summary, MsgMax);
        Ext("externalId", evt.Id, ExternalIdMax);
        Ext("cat", SeverityMap.Name(evt), LabelMax);
        if (!string.IsNullOrEmpty(evt.Source))
        {
            Ext("cs1Label", "source", LabelMax);
            Ext("cs1", evt.Source, CustomStringMax);
        }

        if (!string.IsNullOrEmpty(evt.Subject))
        {
            Ext("cs2Label", "subject", LabelMax);
            Ext("cs2", evt.Subject, CustomStringMax);
        }

        if (evt.Data is { ValueKind: System.Text.Json.JsonValueKind.Object or System.Text.Json.JsonValueKind.Array } data)
        {
            Ext("cs3Label", "data", LabelMax);
            Ext("cs3", data.GetRawText(), CustomStringMax);
        }

        if (!string.IsNullOrEmpty(evt.CorrelationKey))
        {
            Ext("cs4Label", "correlationKey", LabelMax);
            Ext("cs4", evt.CorrelationKey, CustomStringMax);
        }

        return sb.ToString();
    }

    /// <summary>Header fields: backslash first, then pipe; CR and LF become spaces.</summary>
    internal static string EscapeHeader(string value)
        => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("|", "\\|", StringComparison.Ordinal)
            .Replace("\r\n", " ", StringComparison.Ordinal).Replace('\r', ' ').Replace('\n', ' ');

    /// <summary>Extension values: backslash first, then <c>=</c>, LF as <c>\n</c> and CR as <c>\r</c>.</summary>
    internal static string EscapeExtension(string value)
        => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("=", "\\=", StringComparison.Ordinal)
            .Replace("\r\n", "\\n", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal).Replace("\r", "\\r", StringComparison.Ordinal);

    private static void AppendHeader(StringBuilder sb, string value) => sb.Append(EscapeHeader(value)).Append('|');
}

/// <summary>
/// RFC 5424 syslog message: header, structured data <c>[event@32473 …][data@32473 …]</c> and a UTF-8 MSG (with BOM),
/// or the CEF line as MSG when the <c>message</c> setting is <c>cef</c>. MSG is truncated to keep the whole message
/// within <c>maxBytes</c> (default 8192); the header is never cut.
/// </summary>
internal sealed class SyslogFormatter : IWebhookFormatter
{
    internal const int DefaultMaxBytes = 8192;
    internal const int ParamValueMax = 1024;
    internal const int MaxDataParams = 32;
    internal const int MsgReserve = 256;
    internal const int EventParamValueMax = 255;
    internal const string ContentType = "text/plain; charset=utf-8";
    internal static readonly byte[] Bom = [0xEF, 0xBB, 0xBF];

    public string Name => WebhookFormats.Syslog;

    public void Validate(WebhookDestinationDefinition destination, IList<WebhookValidationError> errors)
    {
        if (FormatKit.Setting(destination, "facility") is { } facility && !TryFacility(facility, out _))
        {
            errors.Add(new("FormatSettings.facility", $"must be 0 to 23 or a name such as 'user' or 'local0', not '{facility}'"));
        }

        if (FormatKit.Setting(destination, "message") is { } message && message is not ("text" or "cef"))
        {
            errors.Add(new("FormatSettings.message", $"must be 'text' or 'cef', not '{message}'"));
        }

        if (FormatKit.Setting(destination, "maxBytes") is { } max && (!int.TryParse(max, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 480))
        {
            errors.Add(new("FormatSettings.maxBytes", "must be a whole number of at least 480"));
        }
    }

    public string? GetCacheKey(WebhookFormatContext context)
    {
        var s = context.Destination.FormatSettings;
        return string.Join('|', s.OrderBy(p => p.Key, StringComparer.OrdinalIgnoreCase).Select(p => p.Key + "=" + p.Value));
    }

    public WebhookPayload Format(WebhookFormatContext context) => new() { Body = Message(context), ContentType = ContentType };

    internal static byte[] Message(WebhookFormatContext context)
    {
        var evt = context.Event;
        TryFacility(FormatKit.Setting(context, "facility", "local0"), out var facility);
        var pri = (facility * 8) + SeverityMap.Syslog(SeverityMap.Of(evt));
        var header = new StringBuilder(128);
        header.Append('<').Append(pri.ToString(CultureInfo.InvariantCulture)).Append(">1 ");
        header.Append(evt.OccurredAt!.Value.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)).Append(' ');
        header.Append(Field(FormatKit.Setting(context, "hostname", Environment.MachineName), 255)).Append(' ');
        header.Append(Field(FormatKit.Setting(context, "appName", "webhooks-sdk"), 48)).Append(' ');
        header.Append(Field(FormatKit.Setting(context, "procId", "-"), 128)).Append(' ');
        header.Append(Field(evt.Type, 32)).Append(' ');
        var enterprise = FormatKit.Setting(context, "enterpriseId", "32473");
        var max = int.TryParse(FormatKit.Setting(context, "maxBytes", string.Empty), NumberStyles.None, CultureInfo.InvariantCulture, out var m) ? m : DefaultMaxBytes;

        // Structured data gets what is left after the header, less a reserve for MSG; parameters that do not fit are
        // shortened (event parameters) or left out (data parameters).
        var budget = max - Encoding.UTF8.GetByteCount(header.ToString()) - MsgReserve;
        var used = 0;
        var sd = new StringBuilder(256);
        var element = new StringBuilder(256);
        void Element(string id, IEnumerable<KeyValuePair<string, string?>> parameters, bool shorten)
        {
            element.Clear().Append('[').Append(SdName(id + "@" + enterprise));
            var opening = Encoding.UTF8.GetByteCount(element.ToString()) + 1;
            var size = opening;
            var any = false;
            foreach (var (name, value) in parameters)
            {
                if (value is null)
                {
                    continue;
                }

                var raw = TextLimits.Truncate(value, shorten ? EventParamValueMax : ParamValueMax);
                var full = false;
                while (true)
                {
                    var param = " " + SdName(name) + "=\"" + EscapeParam(raw) + "\"";
                    var bytes = Encoding.UTF8.GetByteCount(param);
                    if (used + size + bytes <= budget)
                    {
                        element.Append(param);
                        size += bytes;
                        any = true;
                        break;
                    }

                    if (!shorten || raw.Length <= 8)
                    {
                        full = !shorten;
                        break;
                    }

                    raw = TextLimits.Truncate(raw, raw.Length / 2);
                }

                if (full)
                {
                    break;
                }
            }

            if (any || shorten)
            {
                if (used + size > budget)
                {
                    return;
                }

                sd.Append(element).Append(']');
                used += size;
            }
        }

        Element(
            "event",
            [new("id", evt.Id), new("type", evt.Type), new("severity", SeverityMap.Name(evt)), new("source", evt.Source), new("subject", evt.Subject), new("correlationKey", evt.CorrelationKey)],
            shorten: true);
        Element("data", FormatKit.DataFields(evt).Take(MaxDataParams).Select(p => new KeyValuePair<string, string?>(p.Key, p.Value)), shorten: false);
        header.Append(sd.Length == 0 ? "-" : sd.ToString());

        var cef = FormatKit.Setting(context, "message", "text") == "cef";
        var msg = cef ? CefFormatter.Line(context) : FormatKit.Title(evt) + (evt.Summary is { Length: > 0 } s ? ": " + s : string.Empty);
        var headerBytes = Encoding.UTF8.GetBytes(header.Append(' ').ToString());
        var prefix = cef ? [] : Bom;
        var room = Math.Max(0, max - headerBytes.Length - prefix.Length);
        var msgBytes = Encoding.UTF8.GetBytes(TextLimits.TruncateUtf8(msg, room));
        var result = new byte[headerBytes.Length + prefix.Length + msgBytes.Length];
        headerBytes.CopyTo(result, 0);
        prefix.CopyTo(result, headerBytes.Length);
        msgBytes.CopyTo(result, headerBytes.Length + prefix.Length);
        return result;
    }

    internal static bool TryFacility(string text, out int facility)
    {
        string[] names = ["kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv", "ftp", "ntp", "audit", "alert", "clock", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"];
        facility = Array.IndexOf(names, text.Trim().ToLowerInvariant());
        if (facility >= 0)
        {
            return true;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out facility) && facility is >= 0 and <= 23;
    }

    /// <summary>A header field: PRINTUSASCII only (others become <c>_</c>), cut to <paramref name="max"/>, <c>-</c> when empty.</summary>
    internal static string Field(string? value, int max)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "-";
        }

        var sb = new StringBuilder(Math.Min(value.Length, max));
        foreach (var c in value)
        {
            if (sb.Length == max)
            {
                break;
            }

            sb.Append(c is >= '!' and <= '~' ? c : '_');
        }

        return sb.ToString();
    }

    /// <summary>An SD-ID or PARAM-NAME: PRINTUSASCII except <c>= ] "</c> and space, at most 32.</summary>
    internal static string SdName(string value)
    {
        var field = Field(value, 32);
        return field.Replace('=', '_').Replace(']', '_').Replace('"', '_');
    }

    /// <summary>PARAM-VALUE escaping: <c>\</c>, <c>"</c> and <c>]</c> get a backslash.</summary>
    internal static string EscapeParam(string value)
        => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("]", "\\]", StringComparison.Ordinal);
}
