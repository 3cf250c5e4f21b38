using System.Text.Json;

namespace Webhooks.Sdk;

/// <summary>
/// Turns an event into the request a destination understands. Chosen by <see cref="Name"/> per destination;
/// register your own with <c>AddFormatter&lt;T&gt;()</c>.
/// </summary>
public interface IWebhookFormatter
{
    /// <summary>Gets the format name, for example <c>slack</c>. Compared case-insensitively.</summary>
    string Name { get; }

    /// <summary>
    /// Gets the names of format settings that are secrets (for example PagerDuty's <c>routingKey</c>): they are stored
    /// through the <see cref="ISecretProtector"/>, never returned when a destination is read (a hint is shown instead),
    /// and kept when an update leaves them out.
    /// </summary>
    IReadOnlyCollection<string> SecretSettings => [];

    /// <summary>Checks the destination's format settings when it is saved or tested; adds one error per bad field.</summary>
    /// <param name="destination">The destination definition.</param>
    /// <param name="errors">Where to add errors.</param>
    void Validate(WebhookDestinationDefinition destination, IList<WebhookValidationError> errors)
    {
    }

    /// <summary>
    /// Gets the key under which a rendering may be reused for other destinations of this format for the same event:
    /// <see cref="string.Empty"/> when the output does not depend on the destination, a value derived from the settings
    /// it depends on, or <see langword="null"/> to render for every destination. Sharing is opt-in: the default is
    /// <see langword="null"/>, so a formatter that reads the destination never gets another destination's rendering.
    /// </summary>
    /// <param name="context">The formatting context.</param>
    /// <returns>The cache key; by default <see langword="null"/> (not shared).</returns>
    string? GetCacheKey(WebhookFormatContext context) => null;

    /// <summary>Renders the event for the destination.</summary>
    /// <param name="context">The formatting context.</param>
    /// <returns>The rendered payload.</returns>
    WebhookPayload Format(WebhookFormatContext context);
}

/// <summary>What a formatter sees.</summary>
public sealed class WebhookFormatContext
{
    /// <summary>Gets the event, with its id and time filled in.</summary>
    public required WebhookEvent Event { get; init; }

    /// <summary>Gets the destination (no secrets).</summary>
    public required WebhookDestination Destination { get; init; }

    /// <summary>Gets the event serialized as the library's default JSON envelope (<c>{id, type, timestamp, data, metadata}</c>).</summary>
    public required ReadOnlyMemory<byte> Envelope { get; init; }

    /// <summary>Gets the id of the item created for the event's correlation key, when the destination uses create-then-update.</summary>
    public string? CorrelationId { get; init; }
}

/// <summary>A rendered request body and the request details a format sets.</summary>
public sealed class WebhookPayload
{
    /// <summary>Gets the body bytes.</summary>
    public required ReadOnlyMemory<byte> Body { get; init; }

    /// <summary>Gets the content type, for example <c>application/json</c>.</summary>
    public required string ContentType { get; init; }

    /// <summary>Gets the HTTP method, or <see langword="null"/> for the destination's.</summary>
    public string? Method { get; init; }

    /// <summary>Gets the URL, or <see langword="null"/> for the destination's.</summary>
    public string? Url { get; init; }

    /// <summary>Gets extra headers the format needs (they cannot replace the library's own).</summary>
    public IReadOnlyList<KeyValuePair<string, string>>? Headers { get; init; }
}

/// <summary>Names of the built-in formats.</summary>
public static class WebhookFormats
{
    /// <summary>The library's JSON envelope <c>{id, type, timestamp, data, metadata}</c>.</summary>
    public const string Json = "json";

    /// <summary>CloudEvents 1.0 over HTTP, structured (default) or binary mode (setting <c>mode</c>).</summary>
    public const string CloudEvents = "cloudevents";

    /// <summary>Slack incoming webhook: Block Kit with a text fallback.</summary>
    public const string Slack = "slack";

    /// <summary>Microsoft Teams Workflows webhook: an Adaptive Card in a message.</summary>
    public const string Teams = "teams";

    /// <summary>Discord execute-webhook with an embed.</summary>
    public const string Discord = "discord";

    /// <summary>Google Chat incoming webhook with a cardsV2 card.</summary>
    public const string GoogleChat = "gchat";

    /// <summary>Feishu / Lark custom bot card, signed when the <c>secret</c> setting is set.</summary>
    public const string Feishu = "feishu";

    /// <summary>Datadog Events API v1.</summary>
    public const string Datadog = "datadog";

    /// <summary>Splunk HTTP Event Collector event.</summary>
    public const string Splunk = "splunk";

    /// <summary>Opsgenie Alert API v2 (alias for dedup; resolved events close the alert).</summary>
    public const string Opsgenie = "opsgenie";

    /// <summary>PagerDuty Events API v2 (trigger/resolve with dedup key; setting <c>routingKey</c> required).</summary>
    public const string PagerDuty = "pagerduty";

    /// <summary>ArcSight Common Event Format line.</summary>
    public const string Cef = "cef";

    /// <summary>RFC 5424 syslog message with structured data.</summary>
    public const string Syslog = "syslog";

    /// <summary>Jira Cloud issue (REST v3, description in Atlassian Document Format; setting <c>projectKey</c> required).</summary>
    public const string Jira = "jira";

    /// <summary>ServiceNow incident (Table API), create and update.</summary>
    public const string ServiceNow = "servicenow";

    /// <summary>Zendesk Support ticket, create and update.</summary>
    public const string Zendesk = "zendesk";
}
