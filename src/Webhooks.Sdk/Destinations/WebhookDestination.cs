namespace Webhooks.Sdk;

/// <summary>
/// A saved destination as read back from the library. It never carries a secret: <see cref="Auth"/> says which
/// secrets are set, with short non-reversible hints.
/// </summary>
public sealed record WebhookDestination
{
    /// <summary>Gets the id.</summary>
    public required string Id { get; init; }

    /// <summary>Gets the tenant (account) the destination belongs to.</summary>
    public required string TenantId { get; init; }

    /// <summary>Gets the display name.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the URL.</summary>
    public required string Url { get; init; }

    /// <summary>Gets a value indicating whether the destination receives deliveries.</summary>
    public required bool Enabled { get; init; }

    /// <summary>Gets the HTTP method.</summary>
    public required string Method { get; init; }

    /// <summary>Gets the format name.</summary>
    public required string Format { get; init; }

    /// <summary>Gets a description of the authentication, without secrets.</summary>
    public required WebhookAuthDescription Auth { get; init; }

    /// <summary>Gets the custom headers.</summary>
    public required IReadOnlyDictionary<string, string> Headers { get; init; }

    /// <summary>Gets the subscriptions as saved (empty means the default subscriptions).</summary>
    public required IReadOnlyList<string> Subscriptions { get; init; }

    /// <summary>Gets the retry count.</summary>
    public required int RetryCount { get; init; }

    /// <summary>Gets the attempt timeout.</summary>
    public required TimeSpan AttemptTimeout { get; init; }

    /// <summary>Gets the rate limit, if any.</summary>
    public WebhookRateLimit? RateLimit { get; init; }

    /// <summary>Gets the format settings.</summary>
    public required IReadOnlyDictionary<string, string> FormatSettings { get; init; }

    /// <summary>Gets the text format.</summary>
    public WebhookTextFormat TextFormat { get; init; }

    /// <summary>Gets the body template, if any.</summary>
    public string? BodyTemplate { get; init; }

    /// <summary>Gets the correlation settings, if any.</summary>
    public WebhookCorrelationSettings? Correlation { get; init; }

    /// <summary>Gets a value indicating whether deliveries per correlation key are ordered.</summary>
    public bool OrderedDelivery { get; init; }

    /// <summary>Gets a value indicating whether requests carry the W3C trace context (<c>traceparent</c>).</summary>
    public bool PropagateTraceContext { get; init; } = true;
    /// <summary>Gets the payload filter, if any (see <see cref="WebhookDestinationDefinition.Filter"/>).</summary>
    public System.Text.Json.JsonElement? Filter { get; init; }

    /// <summary>
    /// Gets the private networks this destination (a syslog collector) may connect to, set only by
    /// <see cref="IWebhookDestinationManager.AllowPrivateNetworksAsync"/>; empty for every other destination.
    /// </summary>
    public IReadOnlyList<string> AllowedPrivateNetworks { get; init; } = [];

    /// <summary>Gets when the destination was created.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Gets when the destination was last changed.</summary>
    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>
    /// Gets the configuration version: 1 when created, one more with every configuration change (update, rotation,
    /// enable, disable); health changes (failure counts, last success) do not move it. Pass it back as
    /// <see cref="WebhookDestinationUpdate.ExpectedVersion"/> (or use it as an ETag) so a change based on an older
    /// read fails with <see cref="WebhookConcurrencyException"/> instead of overwriting a newer one.
    /// </summary>
    public long Version { get; init; }

    /// <summary>Gets when a delivery last succeeded.</summary>
    public DateTimeOffset? LastSuccessAt { get; init; }

    /// <summary>Gets when an attempt last failed.</summary>
    public DateTimeOffset? LastFailureAt { get; init; }

    /// <summary>Gets the number of failed attempts since the last success (or since it was enabled).</summary>
    public int ConsecutiveFailures { get; init; }

    /// <summary>Gets why the destination was disabled, when it is.</summary>
    public string? DisabledReason { get; init; }
}
