namespace Webhooks.Sdk;

/// <summary>
/// Sends a rendered payload over something other than HTTP (for example syslog over TCP). Chosen by the URL scheme of
/// the destination; HTTP and HTTPS are handled by the library's HTTP sender.
/// </summary>
public interface IWebhookTransport
{
    /// <summary>Gets the URL schemes this transport handles, for example <c>syslog+tcp</c>.</summary>
    IReadOnlyCollection<string> Schemes { get; }

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
}
