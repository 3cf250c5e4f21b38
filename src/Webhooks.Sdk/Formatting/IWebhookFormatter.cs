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

    /// <summary>Checks the destination's format settings when it is saved or tested; adds one error per bad field.</summary>
    /// <param name="destination">The destination definition.</param>
    /// <param name="errors">Where to add errors.</param>
    void Validate(WebhookDestinationDefinition destination, IList<WebhookValidationError> errors)
    {
    }

    /// <summary>
    /// Gets the key under which a rendering may be reused for other destinations of this format for the same event:
    /// <see cref="string.Empty"/> when the output does not depend on the destination, a value derived from the settings
    /// it depends on, or <see langword="null"/> to render for every destination.
    /// </summary>
    /// <param name="context">The formatting context.</param>
    /// <returns>The cache key.</returns>
    string? GetCacheKey(WebhookFormatContext context) => string.Empty;

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
}
