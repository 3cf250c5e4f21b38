namespace Webhooks.Sdk;

/// <summary>A partial update of a destination: every property left <see langword="null"/> keeps its current value.</summary>
public sealed class WebhookDestinationUpdate
{
    /// <summary>Gets or sets the new name.</summary>
    public string? Name { get; set; }

    /// <summary>Gets or sets the new URL.</summary>
    public string? Url { get; set; }

    /// <summary>Gets or sets the new HTTP method.</summary>
    public string? Method { get; set; }

    /// <summary>Gets or sets the new format name.</summary>
    public string? Format { get; set; }

    /// <summary>Gets or sets the new authentication. <see langword="null"/> keeps the current one and its secrets.</summary>
    public WebhookAuth? Auth { get; set; }

    /// <summary>Gets or sets the new custom headers (replaces all of them).</summary>
    public IDictionary<string, string>? Headers { get; set; }

    /// <summary>Gets or sets the new subscriptions (replaces all of them).</summary>
    public IList<string>? Subscriptions { get; set; }

    /// <summary>Gets or sets the new retry count.</summary>
    public int? RetryCount { get; set; }

    /// <summary>Gets or sets the new attempt timeout.</summary>
    public TimeSpan? AttemptTimeout { get; set; }

    /// <summary>Gets or sets the new rate limit.</summary>
    public WebhookRateLimit? RateLimit { get; set; }

    /// <summary>Gets or sets a value indicating whether to remove the rate limit.</summary>
    public bool RemoveRateLimit { get; set; }

    /// <summary>Gets or sets the new format settings (replaces all of them).</summary>
    public IDictionary<string, string>? FormatSettings { get; set; }

    /// <summary>Gets or sets the new text format.</summary>
    public WebhookTextFormat? TextFormat { get; set; }

    /// <summary>Gets or sets the new body template; an empty string removes it.</summary>
    public string? BodyTemplate { get; set; }

    /// <summary>Gets or sets the new correlation settings.</summary>
    public WebhookCorrelationSettings? Correlation { get; set; }

    /// <summary>Gets or sets a value indicating whether to remove the correlation settings.</summary>
    public bool RemoveCorrelation { get; set; }

    /// <summary>Gets or sets the new ordered-delivery flag.</summary>
    public bool? OrderedDelivery { get; set; }

    /// <summary>Gets or sets the new trace-context flag (<see cref="WebhookDestinationDefinition.PropagateTraceContext"/>).</summary>
    public bool? PropagateTraceContext { get; set; }
    /// <summary>Gets or sets the new payload filter (see <see cref="WebhookDestinationDefinition.Filter"/>).</summary>
    public System.Text.Json.JsonElement? Filter { get; set; }

    /// <summary>Gets or sets a value indicating whether to remove the payload filter.</summary>
    public bool RemoveFilter { get; set; }

    /// <summary>
    /// Gets or sets the <see cref="WebhookDestination.Version"/> this change is based on: when the destination is at
    /// another version (it changed since it was read), nothing is saved and <see cref="WebhookConcurrencyException"/>
    /// is thrown.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: the change applies to the version the manager reads.</value>
    public long? ExpectedVersion { get; set; }
}
