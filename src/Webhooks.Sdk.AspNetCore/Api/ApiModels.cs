using System.Text.Json;

namespace Webhooks.Sdk.AspNetCore;

/// <summary>A page of a list of the management API.</summary>
/// <typeparam name="T">The item type.</typeparam>
/// <param name="Data">The items.</param>
/// <param name="NextCursor">The opaque cursor of the next page (pass it as <c>cursor</c>), or <see langword="null"/> on the last page.</param>
public sealed record WebhooksApiPage<T>(IReadOnlyList<T> Data, string? NextCursor);

/// <summary>A complete (unpaged) list of the management API.</summary>
/// <typeparam name="T">The item type.</typeparam>
/// <param name="Data">The items.</param>
public sealed record WebhooksApiList<T>(IReadOnlyList<T> Data);

/// <summary>A delivery with every attempt, first to last.</summary>
/// <param name="Delivery">The delivery.</param>
/// <param name="Attempts">Its attempts: number, time, duration, status code, error and response excerpt.</param>
public sealed record WebhookDeliveryDetails(WebhookDelivery Delivery, IReadOnlyList<WebhookDeliveryAttempt> Attempts);

/// <summary>A destination's delivery counts over a window, and its health.</summary>
public sealed record WebhookDestinationStats
{
    /// <summary>Gets the destination id.</summary>
    public required string DestinationId { get; init; }

    /// <summary>Gets the start of the window (inclusive), by delivery creation time.</summary>
    public required DateTimeOffset Since { get; init; }

    /// <summary>Gets the end of the window (exclusive).</summary>
    public required DateTimeOffset Until { get; init; }

    /// <summary>Gets how many deliveries were created in the window.</summary>
    public required long Total { get; init; }

    /// <summary>Gets how many of them succeeded.</summary>
    public required long Succeeded { get; init; }

    /// <summary>Gets how many of them failed for good.</summary>
    public required long Failed { get; init; }

    /// <summary>Gets how many of them are still pending (queued or waiting for a retry).</summary>
    public required long Pending { get; init; }

    /// <summary>Gets when a delivery last succeeded.</summary>
    public DateTimeOffset? LastSuccessAt { get; init; }

    /// <summary>Gets when an attempt last failed.</summary>
    public DateTimeOffset? LastFailureAt { get; init; }

    /// <summary>Gets the number of failed attempts since the last success.</summary>
    public int ConsecutiveFailures { get; init; }
}

/// <summary>The body of <c>POST /destinations/{id}/replay</c>: queue again every failed delivery that failed in the window.</summary>
public sealed class WebhookReplayRequest
{
    /// <summary>Gets or sets the earliest failure time to replay (inclusive). Required.</summary>
    public DateTimeOffset? Since { get; set; }

    /// <summary>Gets or sets the latest failure time to replay (exclusive); <see langword="null"/> means now.</summary>
    public DateTimeOffset? Until { get; set; }
}

/// <summary>What a replay queued.</summary>
/// <param name="Queued">How many failed deliveries were queued again.</param>
public sealed record WebhookReplayResult(int Queued);

/// <summary>The optional body of <c>POST /destinations/{id}/disable</c>.</summary>
public sealed class WebhookDisableRequest
{
    /// <summary>Gets or sets why the destination is disabled (kept on the destination).</summary>
    public string? Reason { get; set; }
}

/// <summary>The optional body of <c>POST /destinations/{id}/secret/rotate</c>.</summary>
public sealed class WebhookRotateSecretRequest
{
    /// <summary>Gets or sets the new secret; <see langword="null"/> generates one.</summary>
    public string? Secret { get; set; }

    /// <summary>Gets or sets how long the current secret keeps signing beside the new one, 0 to 30 days; <see langword="null"/> means 24 hours.</summary>
    public TimeSpan? Overlap { get; set; }
}

/// <summary>The body of <c>POST /events</c>: an event (the fields of <see cref="WebhookEvent"/>) and, optionally, the destinations to send it to.</summary>
public sealed class WebhookPublishRequest
{
    /// <summary>Gets or sets the event id; generated when <see langword="null"/>.</summary>
    public string? Id { get; set; }

    /// <summary>Gets or sets the event type. Required.</summary>
    public string? Type { get; set; }

    /// <summary>Gets or sets when the event happened; now when <see langword="null"/>.</summary>
    public DateTimeOffset? OccurredAt { get; set; }

    /// <summary>Gets or sets the event data.</summary>
    public JsonElement? Data { get; set; }

    /// <summary>Gets or sets the headline.</summary>
    public string? Title { get; set; }

    /// <summary>Gets or sets the longer description.</summary>
    public string? Summary { get; set; }

    /// <summary>Gets or sets the severity.</summary>
    public WebhookSeverity? Severity { get; set; }

    /// <summary>Gets or sets the emitting system.</summary>
    public string? Source { get; set; }

    /// <summary>Gets or sets the subject.</summary>
    public string? Subject { get; set; }

    /// <summary>Gets or sets free-form metadata.</summary>
    public IDictionary<string, string>? Metadata { get; set; }

    /// <summary>Gets or sets the correlation key.</summary>
    public string? CorrelationKey { get; set; }

    /// <summary>
    /// Gets or sets the destinations to send the event to, whatever their subscriptions (they must exist and be enabled);
    /// <see langword="null"/> fans the event out to every subscribed destination.
    /// </summary>
    public IList<string>? DestinationIds { get; set; }

    /// <summary>Gets the event this request publishes.</summary>
    /// <returns>The event.</returns>
    public WebhookEvent ToEvent() => new()
    {
        Id = Id,
        Type = Type ?? string.Empty,
        OccurredAt = OccurredAt,
        Data = Data,
        Title = Title,
        Summary = Summary,
        Severity = Severity,
        Source = Source,
        Subject = Subject,
        Metadata = Metadata is null ? null : new Dictionary<string, string>(Metadata, StringComparer.Ordinal),
        CorrelationKey = CorrelationKey,
    };
}

/// <summary>A payload format a destination can use, with its settings.</summary>
/// <param name="Name">The format name (the destination's <c>format</c>).</param>
/// <param name="Description">What the destination receives.</param>
/// <param name="Settings">The format settings it reads (<c>formatSettings</c>).</param>
public sealed record WebhookFormatInfo(string Name, string? Description, IReadOnlyList<WebhookFormatSettingInfo> Settings);

/// <summary>One setting of a format.</summary>
/// <param name="Name">The key in <c>formatSettings</c>.</param>
/// <param name="Required">Whether a destination of the format must set it.</param>
/// <param name="Secret">Whether it is a secret: write-only, shown as a hint when read, kept when an update leaves it empty.</param>
/// <param name="Description">What it does, with its default.</param>
public sealed record WebhookFormatSettingInfo(string Name, bool Required, bool Secret, string? Description);

/// <summary>A starting template for a destination's <c>bodyTemplate</c>.</summary>
/// <param name="Name">The template name.</param>
/// <param name="Body">The template text.</param>
public sealed record WebhookTemplateInfo(string Name, string Body);
