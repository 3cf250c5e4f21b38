namespace Webhooks.Sdk;

/// <summary>
/// Everything needed to create a destination (or to test an unsaved draft). Also the shape of a destination
/// declared in configuration under <c>Webhooks:Destinations</c>.
/// </summary>
public sealed class WebhookDestinationDefinition
{
    /// <summary>Gets or sets the id; generated when <see langword="null"/>. Letters, digits, <c>-</c>, <c>_</c> and <c>.</c>, at most 64 characters.</summary>
    public string? Id { get; set; }

    /// <summary>Gets or sets the display name. Required, at most 200 characters.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>Gets or sets the absolute URL the deliveries are sent to. Required.</summary>
    public string Url { get; set; } = string.Empty;

    /// <summary>Gets or sets a value indicating whether the destination receives deliveries.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>Gets or sets the HTTP method, <c>POST</c> or <c>PUT</c>.</summary>
    /// <value>The default value is <c>POST</c>.</value>
    public string Method { get; set; } = "POST";

    /// <summary>Gets or sets the name of the payload format (see <see cref="IWebhookFormatter"/>).</summary>
    /// <value>The default value is <c>json</c>, the library's envelope.</value>
    public string Format { get; set; } = WebhookFormats.Json;

    /// <summary>
    /// Gets or sets how the destination authenticates the sender. <see langword="null"/> means none. In configuration,
    /// an <c>Auth</c> section names its kind: <c>"Auth": { "Kind": "hmac", "Secret": "whsec_…" }</c>.
    /// </summary>
    [Microsoft.Extensions.Configuration.ConfigurationKeyName("AuthIsReadByTheLibraryNotTheBinder")]
    public WebhookAuth? Auth { get; set; }

    /// <summary>Gets or sets custom headers sent with every delivery. They cannot replace the library's own headers.</summary>
    public IDictionary<string, string> Headers { get; set; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Gets or sets the event types this destination receives: exact names, prefixes such as <c>scan.*</c>, or <c>*</c>.
    /// An empty list uses <see cref="WebhooksOptions.DefaultSubscriptions"/>.
    /// </summary>
    public IList<string> Subscriptions { get; set; } = new List<string>();

    /// <summary>Gets or sets how many times a failed delivery is retried, 0 to 10.</summary>
    /// <value>The default value is 3.</value>
    public int RetryCount { get; set; } = 3;

    /// <summary>Gets or sets the timeout of one attempt, 1 to 30 seconds.</summary>
    /// <value>The default value is 5 seconds.</value>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets the rate limit; <see langword="null"/> means unlimited.</summary>
    public WebhookRateLimit? RateLimit { get; set; }

    /// <summary>Gets or sets format specific settings (for example a Jira project key); see each format's documentation.</summary>
    public IDictionary<string, string> FormatSettings { get; set; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets or sets how titles and summaries are rendered by chat and ticketing formats.</summary>
    /// <value>The default value is <see cref="WebhookTextFormat.Markdown"/>.</value>
    public WebhookTextFormat TextFormat { get; set; } = WebhookTextFormat.Markdown;

    /// <summary>Gets or sets a custom body template with <c>${field}</c> variables; <see langword="null"/> uses the format's body.</summary>
    public string? BodyTemplate { get; set; }

    /// <summary>Gets or sets the create-then-update settings; <see langword="null"/> sends every event the same way.</summary>
    public WebhookCorrelationSettings? Correlation { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether deliveries sharing a correlation key go out one at a time in publish order.
    /// Always on when <see cref="Correlation"/> is set.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool OrderedDelivery { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether requests carry the W3C trace context (<c>traceparent</c>, <c>tracestate</c>)
    /// of the attempt, so the receiver's traces join the sender's. Turn it off for a receiver that must not learn trace ids.
    /// </summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool PropagateTraceContext { get; set; } = true;

    /// <summary>
    /// Gets or sets a payload filter over the event (type, severity, metadata, data): a JSON object such as
    /// <c>{"data.severity": {"$in": ["critical", "high"]}}</c>; an event it does not match creates no delivery for this
    /// destination. <see langword="null"/> sends every subscribed event. See docs/filters.md.
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    /// <remarks>In configuration, <c>Filter</c> is JSON text or a section (read by the library, not the binder).</remarks>
    [Microsoft.Extensions.Configuration.ConfigurationKeyName("FilterIsReadByTheLibraryNotTheBinder")]
    public System.Text.Json.JsonElement? Filter { get; set; }

    /// <summary>
    /// Gets the private networks this syslog collector may resolve to, for this destination only. Set only by an explicit
    /// call to <see cref="AllowPrivateNetworks"/> (never by configuration binding or JSON), or later by
    /// <see cref="IWebhookDestinationManager.AllowPrivateNetworksAsync"/>.
    /// </summary>
    /// <value>The default value is empty.</value>
    public IReadOnlyList<string> AllowedPrivateNetworks { get; private set; } = [];

    /// <summary>
    /// Lets this syslog collector (<c>syslog+tls://</c> or <c>syslog+tcp://</c>) live on a private network, for this
    /// destination only: each entry is a CIDR block or an address inside 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16,
    /// 100.64.0.0/10 or fc00::/7. Replaces any earlier list; no process-wide <c>Safety.Dangerously*</c> opt-in is needed.
    /// </summary>
    /// <param name="networks">The networks, for example <c>10.20.0.0/16</c>.</param>
    /// <returns>This definition.</returns>
    public WebhookDestinationDefinition AllowPrivateNetworks(params string[] networks)
    {
        ArgumentNullException.ThrowIfNull(networks);
        AllowedPrivateNetworks = [.. networks];
        return this;
    }
}

/// <summary>A per-destination rate limit: a token bucket refilled at <paramref name="PerSecond"/> holding at most <paramref name="Burst"/> tokens.</summary>
/// <param name="PerSecond">Deliveries per second, greater than 0.</param>
/// <param name="Burst">Deliveries that may go out at once, at least 1.</param>
public sealed record WebhookRateLimit(double PerSecond, int Burst = 1);

/// <summary>How readable text (title and summary) is rendered by chat and ticketing formats.</summary>
public enum WebhookTextFormat
{
    /// <summary>Markdown (each format's own dialect, for example Slack mrkdwn).</summary>
    Markdown = 0,

    /// <summary>Plain text.</summary>
    PlainText = 1,

    /// <summary>HTML.</summary>
    Html = 2,
}

/// <summary>
/// Create-then-update settings: the first event of a correlation key creates an item, later events with the same key update it.
/// </summary>
public sealed class WebhookCorrelationSettings
{
    /// <summary>Gets or sets the dotted path of the created item's id in the create response, for example <c>result.sys_id</c>.</summary>
    public string IdPath { get; set; } = string.Empty;

    /// <summary>Gets or sets the update method, <c>PUT</c> or <c>PATCH</c>.</summary>
    /// <value>The default value is <c>PUT</c>.</value>
    public string UpdateMethod { get; set; } = "PUT";

    /// <summary>Gets or sets the update URL template, for example <c>https://x.example/api/incident/${correlationId}</c>.</summary>
    public string UpdateUrl { get; set; } = string.Empty;

    /// <summary>Gets or sets the update body template; <see langword="null"/> sends the format's body.</summary>
    public string? UpdateBodyTemplate { get; set; }
}
