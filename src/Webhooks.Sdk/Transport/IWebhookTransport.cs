namespace Webhooks.Sdk;

/// <summary>
/// Sends a rendered payload over something other than HTTP (for example syslog over TCP). Chosen by the URL scheme of
/// the destination; HTTP and HTTPS are handled by the library's HTTP sender.
/// </summary>
public interface IWebhookTransport
{
    /// <summary>Gets the URL schemes this transport handles, for example <c>syslog+tcp</c>.</summary>
    IReadOnlyCollection<string> Schemes { get; }

    /// <summary>
    /// Checks a destination that uses one of <see cref="Schemes"/> when it is saved or tested (settings, addresses, the
    /// URL's parts), adding one error per bad field. The library has already checked the URL's host against the
    /// outbound address policy.
    /// </summary>
    /// <param name="destination">The destination definition.</param>
    /// <param name="url">The parsed URL.</param>
    /// <param name="errors">Where to add errors.</param>
    void Validate(WebhookDestinationDefinition destination, Uri url, IList<WebhookValidationError> errors)
    {
    }

    /// <summary>Sends one attempt.</summary>
    /// <param name="request">What to send.</param>
    /// <param name="cancellationToken">Cancelled at the attempt timeout.</param>
    /// <returns>The outcome of the attempt.</returns>
    Task<WebhookAttemptResult> SendAsync(WebhookTransportRequest request, CancellationToken cancellationToken);
}

/// <summary>One attempt handed to a transport.</summary>
public sealed class WebhookTransportRequest
{
    /// <summary>Gets the destination URL.</summary>
    public required Uri Url { get; init; }

    /// <summary>Gets the rendered payload.</summary>
    public required WebhookPayload Payload { get; init; }

    /// <summary>Gets the destination.</summary>
    public required WebhookDestination Destination { get; init; }

    /// <summary>Gets the destination's auth settings, with secrets.</summary>
    public required WebhookAuth Auth { get; init; }

    /// <summary>Gets the event being delivered.</summary>
    public WebhookEvent? Event { get; init; }

    /// <summary>
    /// Gets the id of the delivery (one event to one destination): the same for every retry of the delivery, new for a
    /// redelivery. <see langword="null"/> when the caller has none.
    /// </summary>
    public string? DeliveryId { get; init; }

    /// <summary>Gets the attempt number, 1 for the first attempt.</summary>
    /// <value>The default value is 1.</value>
    public int AttemptNumber { get; init; } = 1;

    /// <summary>Gets the engine state of the destination's version (its client certificate), or <see langword="null"/> for a draft.</summary>
    internal Destinations.DestinationState? State { get; init; }

    /// <summary>
    /// Gets the headers an HTTP delivery would carry: <c>webhook-id</c>, <c>webhook-timestamp</c>, the event type and
    /// attempt headers, the destination's custom headers, the format's headers and what the destination's auth adds
    /// (signatures, static headers, an OAuth2 <c>Authorization</c> header). Basic and mutual-TLS auth add nothing here:
    /// a transport reads them from <see cref="Auth"/>. A transport that forwards headers decides which of them fit its
    /// protocol.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];
}

/// <summary>The outcome of one attempt.</summary>
public sealed record WebhookAttemptResult
{
    /// <summary>Gets a value indicating whether the destination accepted the delivery.</summary>
    public required bool Success { get; init; }

    /// <summary>Gets the HTTP status code, when there was a response.</summary>
    public int? StatusCode { get; init; }

    /// <summary>Gets the error text (redacted), when the attempt failed.</summary>
    public string? Error { get; init; }

    /// <summary>Gets the start of the response body, bounded.</summary>
    public string? ResponseExcerpt { get; init; }

    /// <summary>Gets the delay the destination asked for (Retry-After).</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>Gets a value indicating whether the destination asked to be disabled (HTTP 410 Gone).</summary>
    public bool Gone { get; init; }

    /// <summary>
    /// Gets a value indicating whether the failure is permanent for this delivery (for example an SMTP 5xx reply): it is
    /// not retried and the delivery fails at once. It still counts toward the destination's auto-disable.
    /// </summary>
    public bool Permanent { get; init; }
}
