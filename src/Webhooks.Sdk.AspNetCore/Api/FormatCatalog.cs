namespace Webhooks.Sdk.AspNetCore.Api;

/// <summary>The formats registered with the library, described for the "choose a format" list (docs/formats.md in short).</summary>
internal static class FormatCatalog
{
    private const string ContentTypeSetting = "contentType";

    private static readonly Dictionary<string, (string Description, WebhookFormatSettingInfo[] Settings)> BuiltIn = new(StringComparer.OrdinalIgnoreCase)
    {
        [WebhookFormats.Json] = ("The library's JSON envelope {id, type, timestamp, data, metadata}.", []),
        [WebhookFormats.CloudEvents] = ("CloudEvents 1.0 over HTTP, structured or binary mode.",
        [
            new("mode", false, false, "structured (default) or binary"),
            new("source", false, false, "the CloudEvents source; default the event's source, else /webhooks-sdk"),
            new("typePrefix", false, false, "prefixed to the event type"),
        ]),
        [WebhookFormats.Slack] = ("Slack incoming webhook: Block Kit with a text fallback.", []),
        [WebhookFormats.Teams] = ("Microsoft Teams Workflows webhook: an Adaptive Card.", []),
        [WebhookFormats.Discord] = ("Discord execute-webhook with an embed.", []),
        [WebhookFormats.GoogleChat] = ("Google Chat incoming webhook with a cardsV2 card.",
        [
            new("threadKey", false, false, "a template such as ${type}:${correlationKey}; replies in that thread"),
        ]),
        [WebhookFormats.Feishu] = ("Feishu / Lark custom bot card.",
        [
            new("secret", false, true, "signs the body when set"),
        ]),
        [WebhookFormats.Datadog] = ("Datadog Events API v1.",
        [
            new("host", false, false, "the event's host"),
            new("sourceTypeName", false, false, "default my_apps"),
        ]),
        [WebhookFormats.Splunk] = ("Splunk HTTP Event Collector event.",
        [
            new("host", false, false, "the event's host"),
            new("source", false, false, "the event's source"),
            new("sourcetype", false, false, "default _json"),
            new("index", false, false, "the target index"),
        ]),
        [WebhookFormats.Opsgenie] = ("Opsgenie Alert API v2; resolved events close the alert.", []),
        [WebhookFormats.PagerDuty] = ("PagerDuty Events API v2 (trigger and resolve with a dedup key).",
        [
            new("routingKey", true, true, "the integration's routing key"),
            new("source", false, false, "the alert's source"),
        ]),
        [WebhookFormats.Cef] = ("One ArcSight Common Event Format line.",
        [
            new("vendor", false, false, "the device vendor"),
            new("product", false, false, "default Webhooks.Sdk"),
            new("version", false, false, "default the library version"),
        ]),
        [WebhookFormats.Syslog] = ("An RFC 5424 syslog message with structured data.",
        [
            new("facility", false, false, "0 to 23 or a name such as local0 (default)"),
            new("hostname", false, false, "default the machine name"),
            new("appName", false, false, "default webhooks-sdk"),
            new("procId", false, false, "the PROCID field"),
            new("enterpriseId", false, false, "default 32473"),
            new("message", false, false, "text (default) or cef"),
            new("maxBytes", false, false, "default 8192, at least 480"),
        ]),
        [WebhookFormats.Jira] = ("A Jira Cloud issue (REST v3).",
        [
            new("projectKey", true, false, "the project the issue is created in"),
            new("issueType", false, false, "default Task"),
        ]),
        [WebhookFormats.ServiceNow] = ("A ServiceNow incident (Table API), created and updated.",
        [
            new("category", false, false, "default inquiry"),
            new("assignmentGroup", false, false, "the assignment group"),
            new("closeCode", false, false, "the close code of resolved events"),
        ]),
        [WebhookFormats.Zendesk] = ("A Zendesk Support ticket, created and updated.", []),
    };

    public static IReadOnlyList<WebhookFormatInfo> Describe(IEnumerable<IWebhookFormatter> formatters)
    {
        var list = new List<WebhookFormatInfo>();
        foreach (var formatter in formatters.DistinctBy(f => f.Name, StringComparer.OrdinalIgnoreCase).OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            var settings = new List<WebhookFormatSettingInfo>();
            string? description = null;
            if (BuiltIn.TryGetValue(formatter.Name, out var known))
            {
                description = known.Description;
                settings.AddRange(known.Settings);
            }

            foreach (var secret in formatter.SecretSettings)
            {
                if (!settings.Any(s => string.Equals(s.Name, secret, StringComparison.OrdinalIgnoreCase)))
                {
                    settings.Add(new(secret, false, true, null));
                }
            }

            settings.Add(new(ContentTypeSetting, false, false, "with a bodyTemplate: the content type sent (default application/json)"));
            list.Add(new WebhookFormatInfo(formatter.Name, description, settings));
        }

        return list;
    }
}
