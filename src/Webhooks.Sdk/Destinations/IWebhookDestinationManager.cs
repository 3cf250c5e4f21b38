using System.Text.Json;

namespace Webhooks.Sdk;

/// <summary>Creates, reads, changes, deletes and tests a tenant's destinations.</summary>
public interface IWebhookDestinationManager
{
    /// <summary>Gets the tenant this manager works for.</summary>
    string TenantId { get; }

    /// <summary>Gets a manager for another tenant.</summary>
    /// <param name="tenantId">The tenant (account) id.</param>
    /// <returns>The tenant's manager.</returns>
    IWebhookDestinationManager ForTenant(string tenantId);

    /// <summary>Creates a destination. Throws <see cref="WebhookValidationException"/> listing every bad field; nothing is stored then.</summary>
    /// <param name="definition">The destination.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The saved destination (without secrets).</returns>
    Task<WebhookDestination> CreateAsync(WebhookDestinationDefinition definition, CancellationToken cancellationToken = default);

    /// <summary>Gets a destination; throws <see cref="WebhookNotFoundException"/> when it does not exist in the tenant.</summary>
    /// <param name="id">The destination id.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The destination (without secrets).</returns>
    Task<WebhookDestination> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Lists destinations, newest first.</summary>
    /// <param name="skip">How many to skip.</param>
    /// <param name="take">How many to return, 1 to 1000.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The page.</returns>
    Task<WebhookPage<WebhookDestination>> ListAsync(int skip = 0, int take = 50, CancellationToken cancellationToken = default);

    /// <summary>
    /// Lists destinations newest first, one page at a time: pass each page's <see cref="WebhookCursorPage{T}.NextCursor"/>
    /// as the next query's <see cref="WebhookDestinationListQuery.Cursor"/>. Pages stay stable while destinations are
    /// added (no skipped or repeated items), unlike skip/take.
    /// </summary>
    /// <param name="query">The page size and cursor.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The page (without secrets).</returns>
    Task<WebhookCursorPage<WebhookDestination>> ListAsync(WebhookDestinationListQuery query, CancellationToken cancellationToken);

    /// <summary>Changes the properties the update sets; secrets not supplied are kept.</summary>
    /// <param name="id">The destination id.</param>
    /// <param name="update">The changes.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The saved destination.</returns>
    Task<WebhookDestination> UpdateAsync(string id, WebhookDestinationUpdate update, CancellationToken cancellationToken = default);

    /// <summary>Deletes a destination and its pending deliveries.</summary>
    /// <param name="id">The destination id.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>A task that completes when deleted.</returns>
    Task DeleteAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Enables a destination and resets its failure counter.</summary>
    /// <param name="id">The destination id.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The saved destination.</returns>
    Task<WebhookDestination> EnableAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Disables a destination.</summary>
    /// <param name="id">The destination id.</param>
    /// <param name="reason">Why (kept on the destination).</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The saved destination.</returns>
    Task<WebhookDestination> DisableAsync(string id, string? reason = null, CancellationToken cancellationToken = default);

    /// <summary>Sends a test event to a saved destination now (not queued) and records it in its history.</summary>
    /// <param name="id">The destination id.</param>
    /// <param name="request">What to send; <see langword="null"/> sends the catalogue example of the first subscribed type.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>What happened.</returns>
    Task<WebhookTestResult> TestAsync(string id, WebhookTestRequest? request = null, CancellationToken cancellationToken = default);

    /// <summary>Sends a test event to an unsaved draft now (validated like a save; nothing is stored).</summary>
    /// <param name="draft">The draft destination.</param>
    /// <param name="request">What to send; <see langword="null"/> sends the catalogue example of the first subscribed type.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>What happened.</returns>
    Task<WebhookTestResult> TestDraftAsync(WebhookDestinationDefinition draft, WebhookTestRequest? request = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Rotates the signing secret of a destination that uses <see cref="HmacSignatureWebhookAuth"/>: the new secret signs
    /// from now on and the current one keeps signing beside it until the overlap ends (at most
    /// <see cref="HmacSignatureWebhookAuth.MaxPreviousSecrets"/> old secrets are kept).
    /// </summary>
    /// <param name="id">The destination id.</param>
    /// <param name="newSecret">The new secret; <see langword="null"/> generates one (<c>whsec_</c> + base64 of 32 random bytes).</param>
    /// <param name="overlap">How long the current secret keeps signing, 0 to 30 days; <see langword="null"/> means 24 hours.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The new secret (shown only here) and the saved destination.</returns>
    Task<WebhookSecretRotation> RotateSecretAsync(string id, string? newSecret = null, TimeSpan? overlap = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Forgets the id of the item created for a correlation key (create-then-update): the key's next delivery creates a
    /// new item. Use it when the item was deleted or merged on the receiving side.
    /// </summary>
    /// <param name="id">The destination id.</param>
    /// <param name="correlationKey">The event's correlation key.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>A task that completes when the id is forgotten.</returns>
    Task ClearCorrelationIdAsync(string id, string correlationKey, CancellationToken cancellationToken = default);

    /// <summary>
    /// Lets one syslog collector (<c>syslog+tls://</c> or <c>syslog+tcp://</c>) live on a private network: its host may
    /// resolve to addresses inside these networks, for this destination only, at save and at every connection. Each
    /// entry is a CIDR block or an address inside 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10 or fc00::/7;
    /// loopback, link-local and public ranges are refused. The list replaces the previous one (empty removes it), is
    /// kept by later updates, and is shown in <see cref="WebhookDestination.AllowedPrivateNetworks"/>. No process-wide
    /// <c>Safety.Dangerously*</c> opt-in is needed.
    /// </summary>
    /// <param name="id">The destination id.</param>
    /// <param name="networks">The networks, for example <c>10.20.0.0/16</c>.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The destination with its new list.</returns>
    /// <exception cref="WebhookValidationException">An entry is not a private network, or the destination is not a syslog collector.</exception>
    Task<WebhookDestination> AllowPrivateNetworksAsync(string id, IReadOnlyList<string> networks, CancellationToken cancellationToken = default);

    /// <summary>
    /// Says whether an event would pass a payload filter, and why not when it would not. The filter is checked as when
    /// a destination is saved: an invalid one throws <see cref="WebhookValidationException"/> listing every problem with
    /// its position (for example <c>Filter/$or/1/data.count/$gte</c>). Subscriptions are not considered.
    /// </summary>
    /// <param name="filter">The filter (see <see cref="WebhookDestinationDefinition.Filter"/>).</param>
    /// <param name="webhookEvent">The event.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>Whether it passes, and the reasons when it does not.</returns>
    Task<WebhookFilterTestResult> TestFilterAsync(JsonElement filter, WebhookEvent webhookEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(webhookEvent);
        cancellationToken.ThrowIfCancellationRequested();
        var compiled = Routing.Filters.EventFilter.Compile(filter);
        var reasons = new List<string>();
        var matches = compiled.Explain(webhookEvent, reasons);
        return Task.FromResult(new WebhookFilterTestResult { Matches = matches, Reasons = matches ? [] : reasons });
    }
}

/// <summary>Whether an event passes a payload filter.</summary>
public sealed record WebhookFilterTestResult
{
    /// <summary>Gets a value indicating whether the event passes (a destination with this filter would get a delivery).</summary>
    public required bool Matches { get; init; }

    /// <summary>Gets why the event does not pass, one line per failed condition, for example <c>data.severity: must be one of ["critical", "high"], but it is "low"</c>; empty when it passes.</summary>
    public required IReadOnlyList<string> Reasons { get; init; }
}

/// <summary>The result of a secret rotation.</summary>
public sealed record WebhookSecretRotation
{
    /// <summary>Gets the new secret. This is the only time it is shown: hand it to the receiver now.</summary>
    public required string NewSecret { get; init; }

    /// <summary>Gets when the previous secret stops signing (<see langword="null"/> when the overlap was zero).</summary>
    public DateTimeOffset? PreviousSecretExpiresAt { get; init; }

    /// <summary>Gets the saved destination (without secrets).</summary>
    public required WebhookDestination Destination { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"WebhookSecretRotation {{ Destination = {Destination.Id}, PreviousSecretExpiresAt = {PreviousSecretExpiresAt:O} }}";
}

/// <summary>A page of destinations to list (see <see cref="IWebhookDestinationManager.ListAsync(WebhookDestinationListQuery, CancellationToken)"/>).</summary>
public sealed record WebhookDestinationListQuery
{
    /// <summary>Gets the most destinations to return, 1 to 1000.</summary>
    /// <value>The default value is 50.</value>
    public int Limit { get; init; } = 50;

    /// <summary>Gets the <see cref="WebhookCursorPage{T}.NextCursor"/> of the previous page, or <see langword="null"/> for the newest.</summary>
    public string? Cursor { get; init; }
}

/// <summary>A page of items.</summary>
/// <typeparam name="T">The item type.</typeparam>
/// <param name="Items">The items.</param>
/// <param name="Total">How many there are in all.</param>
/// <param name="Skip">How many were skipped.</param>
public sealed record WebhookPage<T>(IReadOnlyList<T> Items, int Total, int Skip);

/// <summary>What a test delivery sends.</summary>
public sealed class WebhookTestRequest
{
    /// <summary>Gets or sets the event type; <see langword="null"/> uses the first catalogued type the destination subscribes to, else <c>webhook.test</c>.</summary>
    public string? EventType { get; set; }

    /// <summary>Gets or sets the payload; <see langword="null"/> uses the catalogue's example for the type.</summary>
    public JsonElement? Data { get; set; }
}

/// <summary>What a test delivery found.</summary>
public sealed record WebhookTestResult
{
    /// <summary>Gets a value indicating whether the destination answered with a 2xx status.</summary>
    public required bool Success { get; init; }

    /// <summary>Gets a value indicating whether the destination was reached at all (any HTTP answer).</summary>
    public required bool Reached { get; init; }

    /// <summary>Gets the status code.</summary>
    public int? StatusCode { get; init; }

    /// <summary>Gets the start of the response body.</summary>
    public string? ResponseExcerpt { get; init; }

    /// <summary>Gets the error text.</summary>
    public string? Error { get; init; }

    /// <summary>Gets how long it took.</summary>
    public required TimeSpan Duration { get; init; }

    /// <summary>Gets the id of the delivery recorded in history (saved destinations only).</summary>
    public string? DeliveryId { get; init; }
}
